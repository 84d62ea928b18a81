//! The YAML tree builder: any text gives documents or an error, never a panic or overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = shipready::parse::yaml::parse(text);
});
