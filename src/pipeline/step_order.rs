//! Which steps of a job run before or after one of its steps. Steps run one after another,
//! except that a Cloud Build step may name the steps it waits for (`waitFor:`), or start at
//! once (`waitFor: ['-']`): then only what it waits for, and what that waits for in turn,
//! has finished when it starts.

use super::Job;

impl Job {
    /// The steps that have finished when step `index` starts, marked by index.
    pub fn steps_before(&self, index: usize) -> Vec<bool> {
        let count = self.steps.len();
        let mut before = vec![false; count];
        // Walking down from the step, each step that comes before marks what it waits for in
        // turn, until one waits for every earlier step: all below it come before.
        let mut all_below = 0;
        let mut at = index;
        loop {
            if at == index || before.get(at) == Some(&true) {
                match self.steps.get(at).and_then(|s| s.waits_for.as_deref()) {
                    None => {
                        all_below = at.min(count);
                        break;
                    }
                    Some(waited) => {
                        for &earlier in waited.iter().filter(|&&earlier| earlier < at) {
                            before[earlier] = true;
                        }
                    }
                }
            }
            if at == 0 {
                break;
            }
            at -= 1;
        }
        before[..all_below].fill(true);
        before
    }

    /// The steps that start only once step `index` has finished, marked by index: the later
    /// steps that wait for it, or for a step that does.
    pub fn steps_after(&self, index: usize) -> Vec<bool> {
        let mut after = vec![false; self.steps.len()];
        for at in index.saturating_add(1)..self.steps.len() {
            after[at] = match &self.steps[at].waits_for {
                None => true,
                Some(waited) => (waited.iter())
                    .any(|&earlier| earlier == index || (earlier < at && after[earlier])),
            };
        }
        after
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::Step;
    use crate::source::Location;

    fn job(waits: &[Option<&[usize]>]) -> Job {
        let steps = (waits.iter())
            .map(|waits_for| Step {
                name: None,
                uses: None,
                uses_ref: None,
                inputs: Vec::new(),
                commands: Vec::new(),
                non_blocking: false,
                location: Location::file("cloudbuild.yaml"),
                working_directory: None,
                waits_for: waits_for.map(<[usize]>::to_vec),
            })
            .collect();
        Job {
            steps,
            ..Job::new("build", Location::file("cloudbuild.yaml"))
        }
    }

    fn marked(steps: Vec<bool>) -> Vec<usize> {
        (steps.iter().enumerate())
            .filter_map(|(index, &marked)| marked.then_some(index))
            .collect()
    }

    #[test]
    fn steps_in_order_wait_for_every_earlier_one() {
        let build = job(&[None, None, None, None]);
        assert_eq!(marked(build.steps_before(2)), [0, 1]);
        assert_eq!(marked(build.steps_after(2)), [3]);
        assert!(marked(build.steps_before(0)).is_empty());
        assert_eq!(marked(build.steps_before(9)), [0, 1, 2, 3]);
    }

    #[test]
    fn named_waits_follow_what_the_named_steps_wait_for() {
        // 0 build, 1 unit tests (after build), 2 lint (at once), 3 deploy (after 1),
        // 4 smoke test (after 3), 5 notify (at once), 6 clean up (after everything).
        let build = job(&[
            None,
            Some(&[0]),
            Some(&[]),
            Some(&[1]),
            Some(&[3]),
            Some(&[]),
            None,
        ]);
        assert_eq!(marked(build.steps_before(3)), [0, 1]);
        assert_eq!(marked(build.steps_after(3)), [4, 6]);
        assert!(marked(build.steps_before(2)).is_empty());
        assert_eq!(marked(build.steps_after(2)), [6]);
        assert_eq!(marked(build.steps_before(6)), [0, 1, 2, 3, 4, 5]);
        // Waiting for a step that waits for every earlier one puts all of those first.
        let build = job(&[None, None, None, Some(&[2])]);
        assert_eq!(marked(build.steps_before(3)), [0, 1, 2]);
    }
}
