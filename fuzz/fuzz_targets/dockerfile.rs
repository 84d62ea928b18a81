//! The Dockerfile parser on any text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = shipready::parse::dockerfile::parse("Dockerfile", text);
});
