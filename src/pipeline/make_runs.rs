//! Make calls as CI steps run them: each Makefile read once from the folder make runs in,
//! with the files it includes, and what each call's recipes left out, told in the report's
//! `read_in_part` by Makefile.

use std::rc::Rc;

use super::Command;
use super::make::{MAX_PREREQUISITE_DEPTH, Makefile};
use super::scripts::{MAX_COMMANDS, join};
use crate::inventory::Inventory;

/// Most files read for what one Makefile `include`s.
pub(super) const MAX_INCLUDES: usize = 16;

/// A Makefile with the files it includes, as make reads them from one folder.
pub(super) struct IncludingMakefile<'i> {
    makefile: Makefile<'i>,
    /// A file it includes past the first [`MAX_INCLUDES`] was left unread.
    includes_cut: bool,
}

impl<'i> IncludingMakefile<'i> {
    /// The Makefile at `path` with the files it includes, named relative to `folder`, where
    /// make runs.
    pub(super) fn read(inventory: &'i Inventory, path: &str, folder: &str) -> Self {
        let Some(body) = inventory.get(path).and_then(|f| f.text.as_deref()) else {
            return IncludingMakefile {
                makefile: Makefile::read(&[]),
                includes_cut: false,
            };
        };
        let mut files = vec![(path.to_string(), body)];
        let mut includes_cut = false;
        for (position, name) in super::make::includes(body).into_iter().enumerate() {
            if let Some(included) = join(folder, name)
                && let Some(text) = inventory.get(&included).and_then(|f| f.text.as_deref())
                && !files.iter().any(|(p, _)| *p == included)
            {
                if position >= MAX_INCLUDES {
                    includes_cut = true;
                    break;
                }
                files.push((included, text));
            }
        }
        IncludingMakefile {
            makefile: Makefile::read(&files),
            includes_cut,
        }
    }

    /// What a make call naming `targets` runs, at most `limit` commands.
    pub(super) fn run(&self, targets: &[String], limit: usize) -> MakeRun {
        let recipes = self.makefile.recipes(targets, limit);
        MakeRun {
            commands: recipes.commands.into(),
            past_limit: recipes.past_limit,
            too_deep: recipes.too_deep,
            includes_cut: self.includes_cut,
        }
    }
}

/// What one make call runs, and what of it was left out.
#[derive(Default)]
pub(super) struct MakeRun {
    pub(super) commands: Rc<[Command]>,
    past_limit: bool,
    too_deep: bool,
    includes_cut: bool,
}

impl MakeRun {
    /// Whether anything of what the call runs was left out.
    pub(super) fn is_cut(&self) -> bool {
        self.past_limit || self.too_deep || self.includes_cut
    }
}

/// What was left out of one Makefile's recipes, over the make calls that read it.
#[derive(Default)]
pub(super) struct MakefileCut {
    /// Calls whose recipes run more than [`MAX_COMMANDS`] commands (`make test`).
    long: Vec<String>,
    /// Calls with targets more than make's depth limit below the ones they name.
    deep: Vec<String>,
    /// It includes more files than [`MAX_INCLUDES`].
    includes: bool,
}

impl MakefileCut {
    /// Adds what a make call naming `targets` left out.
    pub(super) fn record(&mut self, targets: &[String], run: &MakeRun) {
        let call = std::iter::once("make")
            .chain(targets.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ");
        if run.past_limit && !self.long.contains(&call) {
            self.long.push(call.clone());
        }
        if run.too_deep && !self.deep.contains(&call) {
            self.deep.push(call);
        }
        self.includes |= run.includes_cut;
    }

    /// What the report says of the Makefile, one reason for each kind of cut.
    pub(super) fn reasons(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.long.is_empty() {
            out.push(format!(
                "only the first {MAX_COMMANDS} commands of what {} runs are followed from the \
                 steps that run it",
                named_calls(&self.long)
            ));
        }
        if !self.deep.is_empty() {
            out.push(format!(
                "targets more than {} levels of prerequisites below those {} names are not \
                 followed",
                MAX_PREREQUISITE_DEPTH,
                named_calls(&self.deep)
            ));
        }
        if self.includes {
            out.push(format!(
                "only the first {MAX_INCLUDES} files it includes are read for its rules"
            ));
        }
        out
    }
}

/// Make calls as the report names them: three, then how many more.
fn named_calls(calls: &[String]) -> String {
    let mut text = (calls.iter().take(3))
        .map(|call| format!("`{call}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if calls.len() > 3 {
        text.push_str(&format!(" and {} more", calls.len() - 3));
    }
    text
}
