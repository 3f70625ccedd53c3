//! Locating and reading the shared real-world BTF corpus.
//!
//! The corpus lives outside the repository, in `../shared/corpus` relative to the workspace root
//! (see its `README.md`). Tests that need it must skip — and say so on stderr — when it is
//! absent; use [`require_corpus!`](crate::require_corpus) or [`skip_without_corpus`].
//!
//! Every listing helper returns an empty `Vec` when the corpus (or the asked-for folder) is
//! missing, and sorts its result by path so that test output is deterministic.

use std::fs::{self, File};
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

/// `<workspace root>/../shared/corpus`, where the workspace root is
/// `CARGO_MANIFEST_DIR/../..`; `None` when that folder does not exist.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if !dir.is_dir() {
        return None;
    }
    Some(dir.canonicalize().unwrap_or(dir))
}

/// The corpus folder, or `None` after printing `SKIP <test_name>: ../shared/corpus not found` to
/// stderr. Meant for tests: `let Some(dir) = skip_without_corpus("name") else { return };`.
pub fn skip_without_corpus(test_name: &str) -> Option<PathBuf> {
    let dir = corpus_dir();
    if dir.is_none() {
        eprintln!("SKIP {test_name}: ../shared/corpus not found");
    }
    dir
}

/// Evaluates to the corpus folder (`PathBuf`), or prints a `SKIP` line to stderr and `return`s
/// from the enclosing (unit-returning) test function when the corpus is absent.
///
/// `require_corpus!("test_name")` names the test in the message; `require_corpus!()` uses the
/// calling module path instead.
#[macro_export]
macro_rules! require_corpus {
    () => {
        $crate::require_corpus!(::core::module_path!())
    };
    ($name:expr) => {
        match $crate::corpus::skip_without_corpus($name) {
            ::core::option::Option::Some(dir) => dir,
            ::core::option::Option::None => return,
        }
    };
}

/// Files directly in `dir` whose name ends with `.<ext>`, sorted; empty if `dir` is unreadable.
fn files_with_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == ext))
        .collect();
    out.sort();
    out
}

/// Sub-folder names of `dir`, sorted; empty if `dir` is unreadable.
fn subdirs(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    out.sort();
    out
}

/// Kernel version of a corpus file: its file name without the extension
/// (`vmlinux/6.1.0-47.btf` → `6.1.0-47`).
pub fn version_of(path: &Path) -> Option<String> {
    path.file_stem()?.to_str().map(str::to_owned)
}

/// The raw vmlinux BTF files, `vmlinux/*.btf`, sorted (`6.1.0-47`, `6.1.0-54`, `6.12.115`,
/// `6.18.44`). Use [`version_of`] to get each one's version.
pub fn vmlinux_files() -> Vec<PathBuf> {
    corpus_dir().map_or_else(Vec::new, |d| files_with_ext(&d.join("vmlinux"), "btf"))
}

/// `vmlinux/<ver>.btf`, if it exists.
pub fn vmlinux_file(ver: &str) -> Option<PathBuf> {
    let p = corpus_dir()?.join("vmlinux").join(format!("{ver}.btf"));
    p.is_file().then_some(p)
}

/// The selected modules' raw split BTF, `modules/<ver>/*.btf`, sorted (split over
/// `vmlinux/<ver>.btf`).
pub fn selected_modules(ver: &str) -> Vec<PathBuf> {
    corpus_dir().map_or_else(Vec::new, |d| {
        files_with_ext(&d.join("modules").join(ver), "btf")
    })
}

/// The real kernel module ELF files, `ko/<ver>/*.ko`, as `(ver, path)` sorted by version then
/// path.
pub fn ko_files() -> Vec<(String, PathBuf)> {
    let Some(dir) = corpus_dir() else {
        return Vec::new();
    };
    let ko = dir.join("ko");
    subdirs(&ko)
        .into_iter()
        .flat_map(|ver| {
            files_with_ext(&ko.join(&ver), "ko")
                .into_iter()
                .map(move |p| (ver.clone(), p))
        })
        .collect()
}

/// Every module's raw split BTF of build `ver`, streamed in-process out of
/// `modules-all/<ver>.tar.zst` (zstd + tar, no external tools).
///
/// Returns `(name, bytes)` sorted by name, where `name` is the module name: the entry's file name
/// without folders and without its `.btf` suffix (`3c59x.btf` → `3c59x`). Only regular files are
/// returned. Fails with `NotFound` when the corpus or the archive is absent.
pub fn modules_all(ver: &str) -> io::Result<Vec<(String, Vec<u8>)>> {
    let dir = corpus_dir()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "../shared/corpus not found"))?;
    let path = dir.join("modules-all").join(format!("{ver}.tar.zst"));
    let decoder = zstd::stream::read::Decoder::new(BufReader::new(File::open(&path)?))?;
    let mut archive = tar::Archive::new(decoder);
    let mut out = Vec::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let entry_path = entry.path()?.into_owned();
        let Some(file_name) = entry_path.file_name().and_then(|n| n.to_str()) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("non-UTF-8 entry name in {}", path.display()),
            ));
        };
        let name = file_name
            .strip_suffix(".btf")
            .unwrap_or(file_name)
            .to_owned();
        let mut bytes = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
        entry.read_to_end(&mut bytes)?;
        out.push((name, bytes));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}
