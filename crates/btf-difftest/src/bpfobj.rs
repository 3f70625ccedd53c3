//! BPF objects for the `.BTF.ext` and CO-RE tests, built from the BPF C programs in
//! `test-data/bpf/` by Debian's clang, for `-target bpf` (little-endian) and `-target bpfeb`.
//!
//! The programs include a `vmlinux.h` that libbtf itself writes ([`btf_core::write_header`]) from
//! the corpus' newest vmlinux BTF ([`VMLINUX_H_SOURCE`]), so their CO-RE relocations name fields
//! that older corpus kernels lack. Objects are cached in `target/bpf-objects/`, keyed by a hash of
//! everything that goes into them, and built once per process.
//!
//! [`objects`] returns `Err(reason)` when a prerequisite is missing (no clang, no corpus); tests
//! print the reason as a `SKIP` line and return. A program that fails to compile panics.

use std::collections::hash_map::DefaultHasher;
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The corpus vmlinux (relative to the corpus folder) the test programs' `vmlinux.h` comes from.
pub const VMLINUX_H_SOURCE: &str = "vmlinux/6.18.44.btf";

/// One compiled test object.
#[derive(Clone, Debug)]
pub struct BpfObject {
    /// Source stem and byte order, e.g. `tracing.bpfel` or `guards.bpfeb`.
    pub name: String,
    /// The BPF C source it was built from (`test-data/bpf/<stem>.bpf.c`).
    pub source: PathBuf,
    /// Built for `-target bpfeb`.
    pub big_endian: bool,
    /// The ELF object file.
    pub path: PathBuf,
}

impl BpfObject {
    /// Whether its programs are written to pass the kernel's verifier when their relocations
    /// resolve (the source says `// libbtf-test: loadable`), so the running kernel can judge them.
    pub fn loadable(&self) -> bool {
        fs::read_to_string(&self.source).is_ok_and(|s| s.contains("// libbtf-test: loadable"))
    }

    /// The object file's bytes.
    pub fn bytes(&self) -> Vec<u8> {
        fs::read(&self.path).unwrap_or_else(|e| panic!("{}: {e}", self.path.display()))
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The test programs' sources, sorted by name.
pub fn sources() -> Vec<PathBuf> {
    let dir = workspace_root().join("test-data/bpf");
    let mut found: Vec<PathBuf> = fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.to_string_lossy().ends_with(".bpf.c"))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// Every test object, both byte orders of every source (little-endian first), built on first use.
pub fn objects() -> Result<Vec<BpfObject>, String> {
    static BUILT: OnceLock<Result<Vec<BpfObject>, String>> = OnceLock::new();
    BUILT.get_or_init(build_all).clone()
}

/// [`objects`], or `None` after printing `SKIP <test>: <reason>` to stderr.
pub fn objects_or_skip(test: &str) -> Option<Vec<BpfObject>> {
    match objects() {
        Ok(objects) => Some(objects),
        Err(reason) => {
            eprintln!("SKIP {test}: {reason}");
            None
        }
    }
}

fn build_all() -> Result<Vec<BpfObject>, String> {
    let clang_version = Command::new("clang")
        .arg("--version")
        .output()
        .map_err(|e| format!("clang not runnable ({e}); scripts/install-deps.sh installs it"))?;
    let corpus = crate::corpus::corpus_dir().ok_or("../shared/corpus not found")?;
    let vmlinux_path = corpus.join(VMLINUX_H_SOURCE);
    let vmlinux =
        fs::read(&vmlinux_path).map_err(|e| format!("{}: {e}", vmlinux_path.display()))?;
    let include = env!("BTF_DIFFTEST_LIBBPF_INCLUDE");

    let sources = sources();
    if sources.is_empty() {
        return Err("no test-data/bpf/*.bpf.c".into());
    }
    let mut key = DefaultHasher::new();
    clang_version.stdout.hash(&mut key);
    vmlinux.hash(&mut key);
    for name in ["bpf_helpers.h", "bpf_core_read.h", "bpf_tracing.h"] {
        fs::read(Path::new(include).join("bpf").join(name))
            .map_err(|e| format!("{include}/bpf/{name}: {e}"))?
            .hash(&mut key);
    }
    let common = key.finish();

    let dir = workspace_root().join("target/bpf-objects");
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let header_dir = dir.join(format!("vmlinux-{common:016x}"));
    let header = header_dir.join("vmlinux.h");
    if !header.exists() {
        let btf = btf_core::Btf::from_bytes(&vmlinux).map_err(|e| e.to_string())?;
        let mut text = Vec::new();
        btf_core::write_header(&btf, &mut text, &btf_core::HeaderOptions::default())
            .map_err(|e| e.to_string())?;
        fs::create_dir_all(&header_dir).map_err(|e| e.to_string())?;
        write_atomically(&header, &text)?;
    }

    let mut built = Vec::new();
    for source in &sources {
        let text = fs::read(source).map_err(|e| format!("{}: {e}", source.display()))?;
        let stem = source
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".bpf.c"))
            .ok_or("bad source name")?
            .to_string();
        for (target, big_endian) in [("bpf", false), ("bpfeb", true)] {
            let mut h = DefaultHasher::new();
            (common, &text, target).hash(&mut h);
            let suffix = if big_endian { "bpfeb" } else { "bpfel" };
            let path = dir.join(format!("{stem}.{suffix}-{:016x}.o", h.finish()));
            if !path.exists() {
                compile(source, &header_dir, include, target, &path)?;
                remove_stale(&dir, &format!("{stem}.{suffix}-"), &path);
            }
            built.push(BpfObject {
                name: format!("{stem}.{suffix}"),
                source: source.clone(),
                big_endian,
                path,
            });
        }
    }
    Ok(built)
}

fn compile(
    source: &Path,
    header_dir: &Path,
    include: &str,
    target: &str,
    out: &Path,
) -> Result<(), String> {
    let partial = out.with_extension(format!("o.{}", std::process::id()));
    let status = Command::new("clang")
        .args([
            "-g",
            "-O2",
            "-Wall",
            "-Werror",
            "-target",
            target,
            "-D__TARGET_ARCH_x86",
        ])
        .arg("-I")
        .arg(header_dir)
        .arg("-I")
        .arg(include)
        .arg("-c")
        .arg(source)
        .arg("-o")
        .arg(&partial)
        .status()
        .map_err(|e| format!("clang: {e}"))?;
    // A program that does not compile is a broken test, not a missing prerequisite: fail loudly.
    assert!(
        status.success(),
        "clang -target {target} {} failed: {status}",
        source.display()
    );
    fs::rename(&partial, out).map_err(|e| format!("{}: {e}", out.display()))
}

/// Removes earlier builds of the same object (other hashes), so the cache does not grow with
/// every edit of a test program.
fn remove_stale(dir: &Path, prefix: &str, current: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(prefix) && name.ends_with(".o") && path != current {
            let _ = fs::remove_file(path);
        }
    }
}

/// Writes through a process-unique temporary name and renames, so that test processes racing to
/// fill the cache never see a half-written file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let partial = path.with_extension(format!("part.{}", std::process::id()));
    fs::write(&partial, bytes).map_err(|e| format!("{}: {e}", partial.display()))?;
    fs::rename(&partial, path).map_err(|e| format!("{}: {e}", path.display()))
}
