//! The Make reader: the first line is the command a CI step runs, the rest the Makefile. Any
//! text gives at most the command limit per make call, each cited at a line of the Makefile.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let (command, makefile) = text.split_once('\n').unwrap_or((text, ""));
    let calls = command.split_whitespace().count().max(1);
    let lines = makefile.lines().count();
    let recipes = shipready::pipeline::make_recipes(makefile, command);
    assert!(recipes.len() <= 500 * calls);
    for recipe in recipes {
        assert_eq!(recipe.location.path, "Makefile");
        assert!(recipe.location.line >= 1 && recipe.location.line <= lines.max(1));
    }
});
