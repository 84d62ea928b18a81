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

use std::path::Path;

/// Largest index read; a repository of 400,000 files has an index of about 40 MiB.
pub const MAX_INDEX_BYTES: u64 = 128 * 1024 * 1024;

/// Why an index could not be read.
#[derive(Debug, PartialEq, Eq)]
pub struct IndexError(pub &'static str);

/// Longest path read from an index: Linux refuses longer paths, so no checkout holds one.
pub const MAX_PATH_BYTES: usize = 4096;

/// Most name bytes kept from one index. Version 4 names are stored as changes to the
/// previous name, so a small crafted index could otherwise expand to gigabytes (and each
/// kept name is checked on disk). Only tracked files the walk did not list are kept: a
/// handful in a real repository.
pub const MAX_KEPT_BYTES: usize = 32 * 1024 * 1024;

/// The regular files an index tracks, in index order, without duplicates from merge stages.
/// `hash_len` is 20 (SHA-1) or 32 (SHA-256).
pub fn tracked_files(index: &[u8], hash_len: usize) -> Result<Vec<String>, IndexError> {
    tracked_files_where(index, hash_len, |_| true)
}

/// `tracked_files`, keeping only the paths `keep` accepts.
pub fn tracked_files_where(
    index: &[u8],
    hash_len: usize,
    mut keep: impl FnMut(&str) -> bool,
) -> Result<Vec<String>, IndexError> {
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
    // Every entry takes at least 62 bytes, so a count larger than that allows is a lie.
    if count > index.len() / 62 {
        return Err(IndexError("entry count larger than the index"));
    }
    let mut paths: Vec<String> = Vec::new();
    let mut kept_bytes = 0;
    let mut previous: Vec<u8> = Vec::new();
    let mut last_file: Vec<u8> = Vec::new();
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
            if keep + suffix.len() > MAX_PATH_BYTES {
                return Err(IndexError("a name longer than 4096 bytes"));
            }
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
        if mode >> 12 != 0o10 || name.len() > MAX_PATH_BYTES || name == last_file {
            continue; // the same name again is the same path at another merge stage
        }
        last_file.clear();
        last_file.extend_from_slice(name);
        let Ok(name) = std::str::from_utf8(name) else {
            continue;
        };
        if !keep(name) {
            continue;
        }
        kept_bytes += name.len();
        if kept_bytes > MAX_KEPT_BYTES {
            return Err(IndexError("names longer than 32 MiB in all"));
        }
        paths.push(name.to_string());
    }
    // Extensions follow the entries, each a 4-byte signature and a 32-bit size. A split
    // index (`link`) keeps most entries in a shared file, so the entries read are not all.
    while reader.bytes.len() - reader.at > hash_len {
        let (Ok(signature), Ok(size)) = (reader.take(4), reader.u32()) else {
            break;
        };
        if signature == b"link" {
            return Err(IndexError(
                "a split index (most entries are in a shared index file, which is not read)",
            ));
        }
        if reader.take(size as usize).is_err() {
            break;
        }
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
    // The hash length the config names comes first; the other is tried when it does not fit,
    // as when the config is a link (never followed) or written in a way not recognised here.
    let (first, second) = if uses_sha256(&git.join("config")) {
        (32, 20)
    } else {
        (20, 32)
    };
    let unlisted = |path: &str| {
        listed.binary_search_by(|l| l.as_str().cmp(path)).is_err()
            && is_safe_path(path)
            && !excluded(path)
    };
    let read = tracked_files_where(&bytes, first, unlisted)
        .or_else(|error| tracked_files_where(&bytes, second, unlisted).map_err(|_| error));
    let mut tracked = match read {
        Ok(tracked) => tracked,
        Err(IndexError(reason)) => return (Vec::new(), Some(reason.to_string())),
    };
    tracked.sort_unstable();
    tracked.dedup();
    let mut folders = Folders::default();
    tracked.retain(|path| folders.are_real(root, path) && is_regular_file(&root.join(path)));
    (tracked, None)
}

/// Reads `.git/index` if it is a regular file within the size limit. It is opened without
/// following a link and without blocking, and checked once open, as inventory files are: a
/// FIFO put in its place must not hang the run.
fn read_index(path: &Path) -> Result<Option<Vec<u8>>, String> {
    use std::io::Read;
    match std::fs::symlink_metadata(path) {
        Err(_) => return Ok(None),
        Ok(m) if m.file_type().is_symlink() => return Err("a symbolic link, not followed".into()),
        Ok(_) => {}
    }
    let unreadable = |error: std::io::Error| format!("unreadable: {error}");
    let file = super::read::open_no_follow(path).map_err(unreadable)?;
    let metadata = file.metadata().map_err(unreadable)?;
    if !metadata.is_file() {
        return Err("not a regular file".into());
    }
    if metadata.len() > MAX_INDEX_BYTES {
        return Err(format!(
            "larger than {} MiB, not read",
            MAX_INDEX_BYTES / 1024 / 1024
        ));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(MAX_INDEX_BYTES)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    Ok(Some(bytes))
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
                && parts.next().map(|v| v.trim().trim_matches('"')) == Some("sha256")
        })
    })
}

/// Checks that each folder on the way to a path is a real folder, not a symbolic link that
/// could lead outside the repository. Paths come in sorted order, so the folders the previous
/// path shares were checked already, and a missing folder is checked once for all the paths
/// below it: the work is linear in the length of the names, however deep they are.
#[derive(Default)]
struct Folders {
    /// A folder prefix, ending in `/`, whose every folder is real.
    real: String,
    /// A folder prefix, ending in `/`, whose last folder is not.
    unreal: Option<String>,
}

impl Folders {
    fn are_real(&mut self, root: &Path, path: &str) -> bool {
        if self.unreal.as_deref().is_some_and(|u| path.starts_with(u)) {
            return false;
        }
        if !path.starts_with(self.real.as_str()) {
            let shared = common_folders(&self.real, path);
            self.real.truncate(shared);
        }
        while let Some(slash) = path[self.real.len()..].find('/') {
            let folder = &path[..self.real.len() + slash + 1];
            // Checked without its trailing `/`, which would make lstat follow a link.
            let name = &folder[..folder.len() - 1];
            if !std::fs::symlink_metadata(root.join(name)).is_ok_and(|m| m.is_dir()) {
                self.unreal = Some(folder.to_string());
                return false;
            }
            self.real.push_str(&folder[self.real.len()..]);
        }
        true
    }
}

/// The length of the longest run of whole folders (ending in `/`) that `a` and `b` share.
fn common_folders(a: &str, b: &str) -> usize {
    let same = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    a[..same].rfind('/').map_or(0, |slash| slash + 1)
}

fn is_regular_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
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
