//! The git index reader: any bytes give a list of paths or an error, never a panic, and every
//! path it returns is checked by the same test the inventory applies before listing it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipready::inventory::git_index::{is_safe_path, tracked_files};

fuzz_target!(|bytes: &[u8]| {
    for hash_len in [20, 32] {
        if let Ok(paths) = tracked_files(bytes, hash_len) {
            assert!(paths.len() <= bytes.len() / 62);
            for path in paths {
                let _ = is_safe_path(&path);
            }
        }
    }
});
