//! Tracked files that `.gitignore` hides from the walk.
//!
//! A repository may ignore a pattern and still commit files that match it: saleor ignores
//! `.*` and commits `.pre-commit-config.yaml`. Those files are part of the project, so they
//! are assessed too. Git's own list of tracked files is its index, `.git/index`; it is read
//! here as data (git is never run), within a size limit, and every path it names is checked
//! before it is listed: no absolute path, no `..`, nothing below a symbolic link, and only
//! regular files.
//!
//! Index format: a 12-byte header (`DIRC`, version 2, 3 or 4, entry count), then one entry
//! per path and stage: 40 bytes of file status (the mode at offset 24), the object hash (20
//! bytes, or 32 in a SHA-256 repository), 16 bits of flags (name length in the low 12 bits,
//! "extended" in bit 14), 16 more bits of flags when extended (version 3 and later), then
//! the name. Versions 2 and 3 end the name with 1 to 8 NUL bytes so that the entry's length
//! is a multiple of 8; version 4 instead starts the name with a variable-length count of
//! bytes to drop from the end of the previous name, and ends it with one NUL.

use std::collections::HashSet;
use std::path::Path;

/// Largest index read; a repository of 400,000 files has an index of about 40 MiB.
pub const MAX_INDEX_BYTES: u64 = 128 * 1024 * 1024;

/// Why an index could not be read.
#[derive(Debug, PartialEq, Eq)]
pub struct IndexError(pub &'static str);

/// The regular files an index tracks, in index order, without duplicates from merge stages.
/// `hash_len` is 20 (SHA-1) or 32 (SHA-256).
pub fn tracked_files(index: &[u8], hash_len: usize) -> Result<Vec<String>, IndexError> {
    let mut reader = Reader {
        bytes: index,
        at: 0,
    };
    if reader.take(4)? != b"DIRC" {
        return Err(IndexError("not a git index (no DIRC signature)"));
    }
    let version = reader.u32()?;
    if !(2..=4).contains(&version) {
        return Err(IndexError("unsupported git index version"));
    }
    let count = reader.u32()? as usize;
    // Every entry takes at least 62 bytes, so a count larger than that allows is a lie;
    // checking it first bounds the allocation below.
    if count > index.len() / 62 {
        return Err(IndexError("entry count larger than the index"));
    }
    let mut paths: Vec<String> = Vec::with_capacity(count);
    let mut previous: Vec<u8> = Vec::new();
    for _ in 0..count {
        let start = reader.at;
        let status = reader.take(40)?;
        let mode = u32::from_be_bytes([status[24], status[25], status[26], status[27]]);
        reader.take(hash_len)?;
        let flags = reader.u16()?;
        if flags & 0x4000 != 0 {
            if version < 3 {
                return Err(IndexError("extended flags in a version 2 index"));
            }
            reader.u16()?;
        }
        let name = if version == 4 {
            let strip = reader.varint()?;
            let keep = previous
                .len()
                .checked_sub(strip)
                .ok_or(IndexError("name prefix longer than the previous name"))?;
            let suffix = reader.until_nul()?;
            previous.truncate(keep);
            previous.extend_from_slice(suffix);
            previous.as_slice()
        } else {
            let length = usize::from(flags & 0x0fff);
            let name = reader.until_nul()?;
            if length < 0x0fff && name.len() != length {
                return Err(IndexError("name length does not match the entry's flags"));
            }
            // The NUL just read is the first of 1 to 8; the entry ends on a multiple of 8.
            let end = start + (reader.at - 1 - start + 8) / 8 * 8;
            reader.skip_to(end)?;
            name
        };
        // Regular files only: symbolic links (0o120000), submodules (0o160000) and the
        // folder entries of a sparse index (0o040000) are not files of this checkout.
        if mode >> 12 != 0o10 {
            continue;
        }
        let Ok(name) = std::str::from_utf8(name) else {
            continue;
        };
        if paths.last().is_some_and(|last| last == name) {
            continue; // the same path at another merge stage
        }
        paths.push(name.to_string());
    }
    Ok(paths)
}

/// Whether an index path names a file inside the checkout: relative, `/`-separated, with no
/// empty, `.`, `..` or `.git` part (git refuses such paths; a crafted index may hold them).
pub fn is_safe_path(path: &str) -> bool {
    !path.is_empty()
        && !path.contains(['\\', '\0'])
        && path.split('/').all(|part| {
            !part.is_empty() && part != "." && part != ".." && !part.eq_ignore_ascii_case(".git")
        })
}

/// The tracked regular files of the repository at `root` that `listed` (sorted) lacks and
/// `excluded` does not rule out. Nothing is returned when `.git` is not a folder inside the
/// root (a worktree or submodule keeps its index elsewhere, outside what may be read), when
/// there is no index, or when it cannot be read; the second value then says why, for an
/// index that exists but is unusable.
pub fn unlisted_tracked_files(
    root: &Path,
    listed: &[String],
    excluded: impl Fn(&str) -> bool,
) -> (Vec<String>, Option<String>) {
    let git = root.join(".git");
    if !std::fs::symlink_metadata(&git).is_ok_and(|m| m.is_dir()) {
        return (Vec::new(), None);
    }
    let bytes = match read_index(&git.join("index")) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return (Vec::new(), None),
        Err(reason) => return (Vec::new(), Some(reason)),
    };
    let hash_len = if uses_sha256(&git.join("config")) {
        32
    } else {
        20
    };
    let tracked = match tracked_files(&bytes, hash_len) {
        Ok(tracked) => tracked,
        Err(IndexError(reason)) => return (Vec::new(), Some(reason.to_string())),
    };
    let mut real_folders = HashSet::new();
    let mut found: Vec<String> = tracked
        .into_iter()
        .filter(|path| listed.binary_search(path).is_err())
        .filter(|path| is_safe_path(path) && !excluded(path))
        .filter(|path| is_regular_file_beneath(root, path, &mut real_folders))
        .collect();
    found.sort_unstable();
    found.dedup();
    (found, None)
}

/// Reads `.git/index` if it is a regular file within the size limit.
fn read_index(path: &Path) -> Result<Option<Vec<u8>>, String> {
    let Ok(metadata) = std::fs::symlink_metadata(path) else {
        return Ok(None);
    };
    if !metadata.is_file() {
        return Err("not a regular file".into());
    }
    if metadata.len() > MAX_INDEX_BYTES {
        return Err(format!(
            "larger than {} MiB, not read",
            MAX_INDEX_BYTES / 1024 / 1024
        ));
    }
    std::fs::read(path)
        .map(Some)
        .map_err(|error| format!("unreadable: {error}"))
}

/// Whether `.git/config` sets `objectformat = sha256`.
fn uses_sha256(config: &Path) -> bool {
    if !std::fs::symlink_metadata(config).is_ok_and(|m| m.is_file() && m.len() < 1024 * 1024) {
        return false;
    }
    std::fs::read_to_string(config).is_ok_and(|text| {
        text.lines().any(|line| {
            let line = line.trim().to_ascii_lowercase();
            let mut parts = line.splitn(2, '=');
            parts.next().map(str::trim) == Some("objectformat")
                && parts.next().map(str::trim) == Some("sha256")
        })
    })
}

/// Whether `path` is a regular file and each folder on the way to it is a real folder, not a
/// symbolic link that could lead outside the repository. Folders already checked are
/// remembered in `real_folders`.
fn is_regular_file_beneath(root: &Path, path: &str, real_folders: &mut HashSet<String>) -> bool {
    let mut end = 0;
    while let Some(slash) = path[end..].find('/') {
        end += slash;
        let folder = &path[..end];
        if !real_folders.contains(folder) {
            if !std::fs::symlink_metadata(root.join(folder)).is_ok_and(|m| m.is_dir()) {
                return false;
            }
            real_folders.insert(folder.to_string());
        }
        end += 1;
    }
    std::fs::symlink_metadata(root.join(path)).is_ok_and(|m| m.is_file())
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], IndexError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len());
        let end = end.ok_or(IndexError("index ends inside an entry"))?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn u16(&mut self) -> Result<u16, IndexError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, IndexError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// The bytes up to the next NUL, which is consumed too.
    fn until_nul(&mut self) -> Result<&'a [u8], IndexError> {
        let rest = &self.bytes[self.at..];
        let length = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or(IndexError("index ends inside a name"))?;
        self.at += length + 1;
        Ok(&rest[..length])
    }

    fn skip_to(&mut self, end: usize) -> Result<(), IndexError> {
        if end > self.bytes.len() || end < self.at {
            return Err(IndexError("index ends inside an entry"));
        }
        self.at = end;
        Ok(())
    }

    /// Git's offset encoding: 7 bits per byte, high bit set on all but the last, each
    /// continuation adding one before the shift.
    fn varint(&mut self) -> Result<usize, IndexError> {
        let mut byte = self.take(1)?[0];
        let mut value = usize::from(byte & 0x7f);
        while byte & 0x80 != 0 {
            byte = self.take(1)?[0];
            value = value
                .checked_add(1)
                .and_then(|v| v.checked_mul(128))
                .and_then(|v| v.checked_add(usize::from(byte & 0x7f)))
                .ok_or(IndexError("name prefix length overflows"))?;
        }
        Ok(value)
    }
}
