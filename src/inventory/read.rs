//! Reading the listed files: each is opened without following links, sized, read into its
//! thread's buffer and shown to the text pass before the next one.

use std::path::Path;
use std::sync::atomic::Ordering;

use rayon::prelude::*;

use super::{
    FileKind, Inventory, Listing, MAX_FILE_BYTES, MAX_KEPT_BYTES, MAX_PIPELINE_BYTES, RepoFile,
    Skipped, classify,
};

impl Listing {
    /// Reads the listed files in parallel. `visit` sees each text as soon as it is read and
    /// returns what it found there, and whether the inventory should keep the text for later
    /// stages (a large repository's source code need not stay in memory once it has been
    /// searched). What `visit` returns comes back in the order of `Inventory::files`; files
    /// without text get the default.
    pub fn read<T, V>(self, visit: V) -> (Inventory, Vec<T>)
    where
        T: Default + Send,
        V: Fn(&RepoFile, &str) -> (T, bool) + Sync,
    {
        let root = self.root;
        // Sorted before reading, the results come back in path order: sorting the paths
        // moves far less than sorting what was read.
        let mut paths = self.files;
        paths.sort_unstable();
        let kept = std::sync::atomic::AtomicUsize::new(0);
        // Each thread reads into one buffer of its own; only the texts kept for later stages
        // are copied out of it, so most files cost no allocation of their size.
        let read: Vec<(RepoFile, Option<Skipped>, T)> = paths
            .into_par_iter()
            .map_init(Vec::new, |buffer, path| {
                let (mut file, text) = read_text(&root, path, buffer);
                match text {
                    Ok(Some(text)) => {
                        let (found, keep) = visit(&file, text);
                        let mut skip = None;
                        let room = |held: usize| {
                            Some(held + text.len()).filter(|&after| after <= MAX_KEPT_BYTES)
                        };
                        if keep {
                            let held =
                                kept.fetch_update(Ordering::Relaxed, Ordering::Relaxed, room);
                            if held.is_ok() {
                                file.text = Some(text.to_owned());
                            } else {
                                let reason = format!(
                                    "searched, but not assessed further: more than {} MiB of \
                                     text is already kept",
                                    MAX_KEPT_BYTES >> 20
                                );
                                skip = Some(Skipped {
                                    path: file.path.clone(),
                                    reason,
                                });
                            }
                        }
                        (file, skip, found)
                    }
                    Ok(None) => (file, None, T::default()),
                    Err(skip) => (file, Some(skip), T::default()),
                }
            })
            .collect();

        let mut skipped = self.skipped;
        let mut files = Vec::with_capacity(read.len());
        for (file, skip, found) in read {
            skipped.extend(skip);
            files.push((file, found));
        }
        // Workflows and the root GitLab pipeline first, then local actions, includes and
        // Cloud Build files, each in path order.
        let first = |f: &RepoFile| {
            f.kind == FileKind::GithubWorkflow
                || (f.kind == FileKind::GitlabCi && f.path.eq_ignore_ascii_case(".gitlab-ci.yml"))
        };
        let mut pipeline_bytes = 0;
        for pass in [true, false] {
            let pipelines = (files.iter_mut().map(|(file, _)| file))
                .filter(|f| f.kind.is_modelled_pipeline() && first(f) == pass);
            for file in pipelines {
                let Some(text) = &file.text else {
                    continue;
                };
                pipeline_bytes += text.len();
                if pipeline_bytes > MAX_PIPELINE_BYTES {
                    file.text = None;
                    let reason = format!(
                        "pipeline not assessed: pipelines past the first {} MiB (workflows \
                         first, in path order) are not modelled",
                        MAX_PIPELINE_BYTES >> 20
                    );
                    skipped.push(Skipped {
                        path: file.path.clone(),
                        reason,
                    });
                }
            }
        }
        skipped.sort();
        let (files, found) = files.into_iter().unzip();
        (Inventory::new(root, files, skipped), found)
    }
}

/// Reads a listed file's text into `buffer`: the file (its text left out), and its text, or
/// `None` for a kind of file that is not read, or why it was skipped.
fn read_text<'b>(
    root: &Path,
    path: String,
    buffer: &'b mut Vec<u8>,
) -> (RepoFile, Result<Option<&'b str>, Skipped>) {
    let kind = classify(&path);
    let file = RepoFile {
        path,
        kind,
        text: None,
    };
    if !kind.is_read() {
        return (file, Ok(None));
    }
    let skip = |file: &RepoFile, reason: String| Skipped {
        path: file.path.clone(),
        reason,
    };
    match read_bounded(&root.join(&file.path), buffer) {
        Ok(Contents::Bytes) => {}
        Ok(Contents::TooLarge(size)) => {
            let reason = format!(
                "larger than {} MiB ({} bytes), not read",
                MAX_FILE_BYTES / 1024 / 1024,
                size
            );
            let skipped = skip(&file, reason);
            return (file, Err(skipped));
        }
        Err(error) => {
            let skipped = skip(&file, format!("unreadable: {error}"));
            return (file, Err(skipped));
        }
    }
    let bytes = buffer.as_slice();
    if bytes[..bytes.len().min(8192)].contains(&0) {
        let skipped = skip(&file, "binary content under a text file name".into());
        return (file, Err(skipped));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            (file, Ok(Some(text)))
        }
        Err(_) => {
            let skipped = skip(&file, "not valid UTF-8".into());
            (file, Err(skipped))
        }
    }
}

/// Reads one file as `Listing::read` does, its text kept: what a test of reading needs.
#[cfg(test)]
fn read_file(root: &Path, path: String) -> (RepoFile, Option<Skipped>) {
    let mut buffer = Vec::new();
    let (mut file, text) = read_text(root, path, &mut buffer);
    match text {
        Ok(text) => {
            file.text = text.map(str::to_owned);
            (file, None)
        }
        Err(skip) => (file, Some(skip)),
    }
}

/// What reading a listed file gave.
enum Contents {
    /// The bytes are in the buffer.
    Bytes,
    /// Larger than `MAX_FILE_BYTES`, with its size; not read.
    TooLarge(u64),
}

/// Reads at most `MAX_FILE_BYTES` bytes into `buffer` (replacing what it held), so a file
/// that grows while it is read cannot exhaust memory.
///
/// The walk saw a regular file, but the path may have been replaced since (by a FIFO, a
/// device or a symbolic link). So the file is opened without following a final symbolic
/// link and without blocking, and read only if the opened file itself is a regular file:
/// opening a FIFO with no writer would otherwise wait forever.
fn read_bounded(path: &Path, buffer: &mut Vec<u8>) -> std::io::Result<Contents> {
    use std::io::Read;
    buffer.clear();
    let file = open_no_follow(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(std::io::Error::other(
            "not a regular file (replaced after the walk listed it)",
        ));
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Ok(Contents::TooLarge(metadata.len()));
    }
    // The size the file had when it was opened is what is read: no extra read is spent
    // looking for bytes appended since. A file that reports no size (some virtual file
    // systems) is read to its end, within the limit.
    let size = metadata.len();
    if size == 0 {
        file.take(MAX_FILE_BYTES + 1).read_to_end(buffer)?;
        if buffer.len() as u64 > MAX_FILE_BYTES {
            return Ok(Contents::TooLarge(buffer.len() as u64));
        }
        return Ok(Contents::Bytes);
    }
    buffer.reserve_exact(size as usize);
    file.take(size).read_to_end(buffer)?;
    Ok(Contents::Bytes)
}

#[cfg(unix)]
pub(super) fn open_no_follow(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
pub(super) fn open_no_follow(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A path listed as a regular file and then replaced by a FIFO or a symbolic link before
    /// it is read: the read must neither block nor follow the link.
    #[test]
    fn file_replaced_after_listing_is_not_opened_through() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let fifo = dir.path().join("Dockerfile");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()));
        std::fs::write(dir.path().join("outside.yml"), "on: push\n").unwrap_or_default();
        std::os::unix::fs::symlink("outside.yml", dir.path().join("package.json"))
            .unwrap_or_default();

        let (sender, receiver) = std::sync::mpsc::channel();
        let root = dir.path().to_path_buf();
        std::thread::spawn(move || {
            let fifo = read_file(&root, "Dockerfile".into());
            let link = read_file(&root, "package.json".into());
            let _ = sender.send((fifo, link));
        });
        let received = receiver.recv_timeout(std::time::Duration::from_secs(10));
        let Ok(((fifo, fifo_skip), (link, link_skip))) = received else {
            panic!("reading a FIFO blocked");
        };
        assert!(fifo.text.is_none() && link.text.is_none());
        let fifo_reason = fifo_skip.map(|s| s.reason).unwrap_or_default();
        assert!(fifo_reason.contains("not a regular file"), "{fifo_reason}");
        let link_reason = link_skip.map(|s| s.reason).unwrap_or_default();
        assert!(link_reason.starts_with("unreadable"), "{link_reason}");
    }
}
