//! btf-core against real libbpf 1.7.0, measured in the same process on the same bytes.
//!
//! Run with `cargo bench -p btf-difftest --bench vs_libbpf`. A small self-written harness
//! (`harness = false`, no criterion) measures:
//!
//! 1. parse of every corpus vmlinux from bytes already in memory (`Btf::from_bytes` vs
//!    `btf__new`; both copy and validate) and from its file (`Btf::parse_file` vs `btf__parse`);
//!    and of the running kernel's BTF (`Btf::open` vs `btf__load_vmlinux_btf`; both map sysfs);
//! 2. `find_by_name_kind` on the 6.1.0-47 vmlinux: ours for every named type (index build reported
//!    separately), libbpf's linear scan on a deterministic sample, with the ids compared;
//! 3. parse of split module BTF over the 6.1.0-47 vmlinux: `ext4` alone, and all 4,022 modules of
//!    `modules-all/6.1.0-47.tar.zst` (base parsed once, outside the timed region);
//! 5. the C dump (a whole vmlinux.h: `CDump::dump_type` of every id vs libbpf's `btf_dump`
//!    through the test crate's C shim, which collects the text the same way);
//! 6. CO-RE: every relocation of the little-endian test objects (`bpfobj`) resolved against each
//!    corpus vmlinux as `bpftool gen min_core_btf` does (`resolve_relo` with a fresh
//!    `CandidateCache` per object vs libbpf's `bpf_core_add_cands` + `bpf_core_calc_relo_insn`
//!    through the C shim `csrc/core_shim.c`), objects and targets parsed outside the timed region,
//!    every record's outcome compared first. Ours searches the target's candidate index, built by
//!    the first search and kept with the `Btf`; that first search on a fresh target (index build
//!    included) is reported beside it as `core-resolve-first-search`;
//! 4. memory: memory kept by the result (`RssAnon` growth; of it, heap by glibc's `mallinfo2`)
//!    and peak RSS growth (`VmHWM` after resetting it through `/proc/self/clear_refs`) of one call:
//!    the running kernel's BTF, a 5 MB corpus vmlinux file, and all 4,022 modules kept alive.
//!
//! btf-core starts no threads, so "one core" and "two cores" differ only in what else the machine
//! runs: `make bench` runs this twice, pinned to one CPU with `taskset -c 0` and unpinned. The
//! header says how many CPUs the process may use.
//!
//! The two sides are interleaved (A,B then B,A, ...) so that drift on a noisy machine hits both
//! alike. Results are dropped outside the timed region. Each measurement runs at least
//! [`Config::min_iters`] times and until each side has accumulated [`Config::min_time`].
//!
//! Without `--bench` on the command line (i.e. under `cargo test --benches`) it runs in smoke
//! mode: one iteration of everything and a subset of the modules, to check that it still works;
//! it then prints no `RATIO`/`TARGET` lines.
//! An optional positional argument filters sections by name (`parse`, `find`, `split`, `memory`,
//! `cdump`, `core`).
//!
//! The output ends with `RATIO ...` lines (lower is better for ours/libbpf, higher for
//! libbpf/ours) and `TARGET ...` lines against the project's goals.

use btf_difftest::stats;
use btf_difftest::stats::ms;
use std::ffi::CString;
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use btf_core::Btf;
use btf_difftest::corpus;
use btf_difftest::libbpf::{self, LibbpfBtf};

/// Version whose vmlinux serves for lookups and as the base of the split-BTF measurements.
const BASE_VER: &str = "6.1.0-47";
/// Module measured alone in section 3.
const SPLIT_MODULE: &str = "ext4";
/// libbpf is timed on every `LIBBPF_SAMPLE_STEP`-th named type (its lookups are linear scans).
const LIBBPF_SAMPLE_STEP: usize = 200;
/// Goals, ours/libbpf time: parse from bytes in memory, from a file, from sysfs (both map it),
/// split BTF of every module.
const TARGET_PARSE_BYTES: f64 = 0.6;
const TARGET_PARSE_FILE: f64 = 0.5;
const TARGET_PARSE_SYSFS: f64 = 0.3;
const TARGET_PARSE_SPLIT: f64 = 0.5;
/// Goal, ours/libbpf memory: at most libbpf's.
const TARGET_MEMORY: f64 = 1.0;
/// Goal, ours/libbpf time: the C dump of a vmlinux.
const TARGET_C_DUMP: f64 = 0.5;
/// Goal, ours/libbpf time: every CO-RE relocation of the test objects against a vmlinux.
const TARGET_CORE: f64 = 0.5;
const SYSFS_VMLINUX: &str = "/sys/kernel/btf/vmlinux";
/// Goal: lookups at least this many times faster than libbpf.
const TARGET_LOOKUP_SPEEDUP: f64 = 100.0;

#[derive(Clone, Copy, Debug)]
struct Config {
    /// Minimum timed repetitions per side.
    min_iters: usize,
    /// Minimum accumulated time per side.
    min_time: Duration,
    /// Stop adding repetitions once one side has spent this long (bounds very slow cases).
    max_time: Duration,
    /// Modules of `modules-all` to use (`usize::MAX` = all).
    module_limit: usize,
}

impl Config {
    fn full() -> Self {
        Config {
            min_iters: 30,
            min_time: Duration::from_millis(500),
            max_time: Duration::from_secs(10),
            module_limit: usize::MAX,
        }
    }

    fn smoke() -> Self {
        Config {
            min_iters: 1,
            min_time: Duration::ZERO,
            max_time: Duration::ZERO,
            module_limit: 50,
        }
    }

    /// Enough repetitions yet? (`max_time` wins over `min_time`, `min_iters` over both.)
    fn done(&self, iters: usize, spent_a: Duration, spent_b: Duration) -> bool {
        if iters < self.min_iters {
            return false;
        }
        let slowest = spent_a.max(spent_b);
        slowest >= self.max_time || spent_a.min(spent_b) >= self.min_time
    }
}

/// Timings of one side of a measurement.
#[derive(Clone, Debug, Default)]
struct Samples(Vec<Duration>);

impl Samples {
    fn sorted(&self) -> Vec<Duration> {
        let mut v = self.0.clone();
        v.sort_unstable();
        v
    }
    fn median(&self) -> Duration {
        let v = self.sorted();
        match v.len() {
            0 => Duration::ZERO,
            n if n % 2 == 1 => v[n / 2],
            n => (v[n / 2 - 1] + v[n / 2]) / 2,
        }
    }
    fn min(&self) -> Duration {
        self.0.iter().copied().min().unwrap_or_default()
    }
    fn max(&self) -> Duration {
        self.0.iter().copied().max().unwrap_or_default()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// Times one call of `f`; its result is dropped after the clock stops.
fn time_one<R>(f: &mut impl FnMut() -> R) -> Duration {
    let start = Instant::now();
    let r = black_box(f());
    let d = start.elapsed();
    drop(r);
    d
}

/// Runs `a` and `b` alternately (A,B, B,A, A,B, ...) after one untimed warm-up call each, until
/// `cfg` is satisfied. Returns the per-call timings of each side.
fn interleaved<RA, RB>(
    cfg: &Config,
    mut a: impl FnMut() -> RA,
    mut b: impl FnMut() -> RB,
) -> (Samples, Samples) {
    drop(black_box(a()));
    drop(black_box(b()));
    let (mut sa, mut sb) = (Samples::default(), Samples::default());
    let (mut ta, mut tb) = (Duration::ZERO, Duration::ZERO);
    let mut i = 0;
    while !cfg.done(i, ta, tb) {
        let (da, db) = if i % 2 == 0 {
            let da = time_one(&mut a);
            (da, time_one(&mut b))
        } else {
            let db = time_one(&mut b);
            (time_one(&mut a), db)
        };
        sa.0.push(da);
        sb.0.push(db);
        ta += da;
        tb += db;
        i += 1;
    }
    (sa, sb)
}

fn ns(d: Duration) -> f64 {
    d.as_secs_f64() * 1e9
}

fn ratio(num: Duration, den: Duration) -> f64 {
    num.as_secs_f64() / den.as_secs_f64().max(1e-12)
}

/// Collected `RATIO`/`TARGET` lines, printed at the end.
#[derive(Debug, Default)]
struct Summary {
    ratios: Vec<String>,
    targets: Vec<String>,
}

impl Summary {
    /// Records a ratio (ours/libbpf) and checks it against `target` (lower is better).
    fn ratio(&mut self, label: &str, r: f64, target: f64) {
        self.ratios
            .push(format!("RATIO {label} ours/libbpf = {r:.2}"));
        let verdict = if r <= target { "met" } else { "NOT MET" };
        self.targets.push(format!(
            "TARGET {label} ours/libbpf <= {target:.2}: {verdict} ({r:.2})"
        ));
    }
}

fn machine_info(smoke: bool) {
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    let online = std::fs::read_to_string("/sys/devices/system/cpu/online").unwrap_or_default();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let optimized = stats::build_label();
    println!(
        "btf-core vs libbpf 1.7.0 (libbpf-sys vendored: built from source with the cc crate's C \
         flags for this profile's opt-level, linked statically)"
    );
    println!(
        "machine: CPUs this process may use = {nproc} ({}), online: {}, cpu: {cpu}",
        if nproc == 1 { "ONE CORE" } else { "all cores" },
        online.trim()
    );
    println!("optimized build: {optimized}");
    if smoke {
        println!("mode: SMOKE (no --bench argument): 1 iteration, subset of modules");
    }
    println!();
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

// ------------------------------------------------------------------------------------------------
// 1. vmlinux parse
// ------------------------------------------------------------------------------------------------

/// The header of a parse table whose rows are `what`, with `count` (types, files) per row.
fn parse_header(what: &str, count: &str) {
    println!(
        "{:<22} {:>7} {:>9} {:>5} | {:>8} {:>8} {:>8} | {:>8} {:>8} {:>8} | {:>6} {:>6}",
        what,
        count,
        "bytes",
        "iters",
        "ours min",
        "ours med",
        "ours max",
        "lbpf min",
        "lbpf med",
        "lbpf max",
        "r(med)",
        "r(min)"
    );
}

/// One row of a parse table; returns the ratio of the medians.
fn parse_row(label: &str, count: u32, bytes: usize, a: &Samples, b: &Samples) -> f64 {
    let (r_med, r_min) = (ratio(a.median(), b.median()), ratio(a.min(), b.min()));
    println!(
        "{:<22} {:>7} {:>9} {:>5} | {:>8.3} {:>8.3} {:>8.3} | {:>8.3} {:>8.3} {:>8.3} | {:>6.2} {:>6.2}",
        label,
        count,
        bytes,
        a.len(),
        ms(a.min()),
        ms(a.median()),
        ms(a.max()),
        ms(b.min()),
        ms(b.median()),
        ms(b.max()),
        r_med,
        r_min
    );
    r_med
}

fn bench_vmlinux_parse(cfg: &Config, summary: &mut Summary) {
    println!(
        "== 1. parse of vmlinux BTF: from memory (Btf::from_bytes vs btf__new), from its file =="
    );
    println!(
        "==    (Btf::parse_file vs btf__parse), the running kernel's (Btf::open vs btf__load_vmlinux_btf) =="
    );
    parse_header("vmlinux", "types");
    for path in corpus::vmlinux_files() {
        let ver = corpus::version_of(&path).unwrap_or_default();
        let data = read(&path);
        let ours = Btf::from_bytes(&data).unwrap_or_else(|e| panic!("{ver}: ours: {e}"));
        let theirs = LibbpfBtf::from_bytes(&data).unwrap_or_else(|e| panic!("{ver}: libbpf: {e}"));
        assert_eq!(ours.type_cnt(), theirs.type_cnt(), "{ver}: type count");
        let types = ours.nr_types();
        drop((ours, theirs));

        let (a, b) = interleaved(
            cfg,
            || Btf::from_bytes(&data).unwrap(),
            || LibbpfBtf::from_bytes(&data).unwrap(),
        );
        let r = parse_row(&format!("{ver} bytes"), types, data.len(), &a, &b);
        summary.ratio(&format!("parse-bytes/{ver}"), r, TARGET_PARSE_BYTES);

        let (a, b) = interleaved(
            cfg,
            || Btf::parse_file(&path, None).unwrap(),
            || LibbpfBtf::parse(&path).unwrap(),
        );
        let r = parse_row(&format!("{ver} file"), types, data.len(), &a, &b);
        summary.ratio(&format!("parse-file/{ver}"), r, TARGET_PARSE_FILE);
    }
    match std::fs::read(SYSFS_VMLINUX) {
        Err(e) => println!("SKIP sysfs: {SYSFS_VMLINUX}: {e}"),
        Ok(data) => {
            let ours = Btf::open(SYSFS_VMLINUX).expect("ours parses the kernel's BTF");
            let theirs = LibbpfBtf::load_vmlinux().expect("libbpf loads the kernel's BTF");
            assert_eq!(ours.type_cnt(), theirs.type_cnt(), "sysfs: type count");
            assert!(ours.is_mapped(), "sysfs: ours maps the kernel's BTF");
            let types = ours.nr_types();
            drop((ours, theirs));
            let (a, b) = interleaved(
                cfg,
                || Btf::open(SYSFS_VMLINUX).unwrap(),
                || LibbpfBtf::load_vmlinux().unwrap(),
            );
            let r = parse_row("sysfs (mapped)", types, data.len(), &a, &b);
            summary.ratio("parse-sysfs/vmlinux", r, TARGET_PARSE_SYSFS);
        }
    }
    println!("(times in ms; r = ours/libbpf, lower is better)");
    println!();
}

// ------------------------------------------------------------------------------------------------
// 2. find_by_name_kind
// ------------------------------------------------------------------------------------------------

/// A name to look up, copied out of the BTF (so lookups do not compare a string with itself).
#[derive(Debug)]
struct Query {
    name: Box<[u8]>,
    kind: u32,
    /// Id of the type the name was taken from (the answer is this id or an earlier duplicate).
    id: u32,
}

fn bench_find(cfg: &Config, data: &[u8], summary: &mut Summary) {
    println!("== 2. find_by_name_kind on vmlinux {BASE_VER} ==");
    let btf = Btf::from_bytes(data).expect("ours parses");
    let queries: Vec<Query> = btf
        .types()
        .filter_map(|t| {
            let name = btf.name_of(&t);
            (!name.is_empty()).then(|| Query {
                name: name.into(),
                kind: t.kind_raw(),
                id: t.id(),
            })
        })
        .collect();
    let n = queries.len();

    // Correctness of ours on every name: the answer is a type of that name and kind, at or before
    // the type the name came from.
    for q in &queries {
        let id = btf
            .find_by_name_kind(&q.name, q.kind)
            .unwrap_or_else(|| panic!("ours: {:?} not found", String::from_utf8_lossy(&q.name)));
        let t = btf.type_by_id(id).expect("valid id");
        assert!(id <= q.id && t.kind_raw() == q.kind && btf.name_of(&t) == &q.name[..]);
    }

    // Index build: the first lookup on a fresh Btf (parsed outside the timed region).
    let mut build = Samples::default();
    let mut spent = Duration::ZERO;
    let probe = &queries[n / 2];
    while !cfg.done(build.len(), spent, spent) {
        let fresh = Btf::from_bytes(data).expect("ours parses");
        let start = Instant::now();
        let id = black_box(fresh.find_by_name_kind(black_box(&probe.name), probe.kind));
        let d = start.elapsed();
        assert!(id.is_some());
        drop(fresh);
        build.0.push(d);
        spent += d;
    }

    // The deterministic libbpf sample and its C strings.
    let sample: Vec<&Query> = queries.iter().step_by(LIBBPF_SAMPLE_STEP).collect();
    let c_names: Vec<CString> = sample
        .iter()
        .map(|q| CString::new(&q.name[..]).expect("BTF names have no NUL"))
        .collect();
    let theirs = LibbpfBtf::from_bytes(data).expect("libbpf parses");
    let mut mismatches = Vec::new();
    for (q, c) in sample.iter().zip(&c_names) {
        let ours = btf
            .find_by_name_kind(&q.name, q.kind)
            .map_or(-2, |id| id as i64);
        let lib = i64::from(theirs.find_by_name_kind(c, q.kind));
        if ours != lib {
            mismatches.push(format!("{c:?} kind {}: ours {ours}, libbpf {lib}", q.kind));
        }
    }
    assert!(
        mismatches.is_empty(),
        "find_by_name_kind disagrees with libbpf:\n{}",
        mismatches.join("\n")
    );

    // Steady state, ours over every name (index already built) and libbpf over the sample,
    // interleaved call by call. One libbpf pass takes ~100x longer than one pass of ours, so ours
    // repeats its pass `reps` times per call to even out the sides, and this measurement needs
    // fewer calls than the parse ones (each libbpf call is already an average of its sample).
    let ours_all = |reps: usize| {
        let mut acc = 0u64;
        for _ in 0..reps {
            for q in &queries {
                acc += u64::from(
                    btf.find_by_name_kind(black_box(&q.name), q.kind)
                        .unwrap_or(0),
                );
            }
        }
        acc
    };
    let mut lib_pass = || {
        let mut acc = 0i64;
        for (q, c) in sample.iter().zip(&c_names) {
            acc += i64::from(theirs.find_by_name_kind(black_box(c), q.kind));
        }
        acc
    };
    let one_ours = time_one(&mut || ours_all(1));
    let one_lib = time_one(&mut lib_pass);
    let reps = (ratio(one_lib, one_ours).round() as usize).clamp(1, 1000);
    let lookup_cfg = Config {
        min_iters: cfg.min_iters.min(10),
        ..*cfg
    };
    let (all, lib) = interleaved(&lookup_cfg, || ours_all(reps), lib_pass);
    // Ours on exactly the sampled names, for a like-for-like ratio (many passes: it is fast).
    let ours_sample = |reps: usize| {
        let mut acc = 0u64;
        for _ in 0..reps {
            for q in &sample {
                acc += u64::from(
                    btf.find_by_name_kind(black_box(&q.name), q.kind)
                        .unwrap_or(0),
                );
            }
        }
        acc
    };
    const SAMPLE_REPS: usize = 100;
    let (same, _) = interleaved(&lookup_cfg, || ours_sample(SAMPLE_REPS), || ());

    // Per-lookup times in ns (f64: a `Duration` divided by the count would round to whole ns).
    let per = |d: Duration, lookups: usize| ns(d) / lookups.max(1) as f64;
    let ours_all_per = per(all.median(), n * reps);
    let ours_same_per = per(same.median(), sample.len() * SAMPLE_REPS);
    let lib_per = per(lib.median(), sample.len());
    let build_med = build.median();

    println!(
        "named types: {n} of {} (all looked up with ours and checked); libbpf sample: every \
         {LIBBPF_SAMPLE_STEP}th = {} names, ids identical to ours: yes",
        btf.nr_types(),
        sample.len()
    );
    println!("{:<46} {:>6} {:>12} {:>12}", "", "iters", "median", "min");
    println!(
        "{:<46} {:>6} {:>9.3} ms {:>9.3} ms",
        "ours: index build (first lookup, fresh Btf)",
        build.len(),
        ms(build_med),
        ms(build.min())
    );
    println!(
        "{:<46} {:>6} {:>9.1} ns {:>9.1} ns",
        format!("ours: per lookup, all {n} names (x{reps})"),
        all.len(),
        ours_all_per,
        per(all.min(), n * reps)
    );
    println!(
        "{:<46} {:>6} {:>9.1} ns {:>9.1} ns",
        format!(
            "ours: per lookup, sampled {} names (x{SAMPLE_REPS})",
            sample.len()
        ),
        same.len(),
        ours_same_per,
        per(same.min(), sample.len() * SAMPLE_REPS)
    );
    println!(
        "{:<46} {:>6} {:>9.1} ns {:>9.1} ns",
        format!("libbpf: per lookup, sampled {} names", sample.len()),
        lib.len(),
        lib_per,
        per(lib.min(), sample.len())
    );
    let speedup = lib_per / ours_same_per;
    let speedup_all = lib_per / ours_all_per;
    let break_even = ns(build_med) / lib_per;
    println!(
        "libbpf/ours per lookup: {speedup:.0}x (same names), {speedup_all:.0}x (vs ours over all \
         names); index build = {break_even:.1} libbpf lookups"
    );
    println!(
        "all {n} names: ours {:.2} ms incl. index build vs libbpf ~{:.0} ms (extrapolated)",
        ms(build_med) + ours_all_per * n as f64 / 1e6,
        lib_per * n as f64 / 1e6
    );
    println!();

    summary.ratios.push(format!(
        "RATIO find_by_name_kind libbpf/ours = {speedup:.0}x"
    ));
    summary.ratios.push(format!(
        "RATIO find_by_name_kind index-build/libbpf-lookup = {break_even:.1}"
    ));
    let verdict = if speedup >= TARGET_LOOKUP_SPEEDUP {
        "met"
    } else {
        "NOT MET"
    };
    summary.targets.push(format!(
        "TARGET find_by_name_kind libbpf/ours >= {TARGET_LOOKUP_SPEEDUP:.0}x: {verdict} ({speedup:.0}x)"
    ));
}

// ------------------------------------------------------------------------------------------------
// 3. split module parse
// ------------------------------------------------------------------------------------------------

fn bench_split(cfg: &Config, base_data: &[u8], summary: &mut Summary) {
    println!(
        "== 3. parse of split module BTF over vmlinux {BASE_VER}: Btf::from_bytes_split vs \
         btf__new_split =="
    );
    let ours_base = Arc::new(Btf::from_bytes(base_data).expect("ours parses the base"));
    let lib_base = Arc::new(LibbpfBtf::from_bytes(base_data).expect("libbpf parses the base"));
    parse_header("split BTF", "files");

    let module = corpus::selected_modules(BASE_VER)
        .into_iter()
        .find(|p| corpus::version_of(p).as_deref() == Some(SPLIT_MODULE));
    if let Some(path) = module {
        let data = read(&path);
        let ours = Btf::from_bytes_split(&data, Arc::clone(&ours_base)).expect("ours parses");
        let lib = LibbpfBtf::from_bytes_split(&data, &lib_base).expect("libbpf parses");
        assert_eq!(
            ours.type_cnt(),
            lib.type_cnt(),
            "{SPLIT_MODULE}: type count"
        );
        drop((ours, lib));
        let (a, b) = interleaved(
            cfg,
            || Btf::from_bytes_split(&data, Arc::clone(&ours_base)).unwrap(),
            || LibbpfBtf::from_bytes_split(&data, &lib_base).unwrap(),
        );
        let r = parse_row(SPLIT_MODULE, 1, data.len(), &a, &b);
        summary.ratio(
            &format!("parse-split/{SPLIT_MODULE}"),
            r,
            TARGET_PARSE_SPLIT,
        );
    } else {
        println!("SKIP {SPLIT_MODULE}: modules/{BASE_VER}/{SPLIT_MODULE}.btf not found");
    }

    match corpus::modules_all(BASE_VER) {
        Err(e) => println!("SKIP modules-all/{BASE_VER}.tar.zst: {e}"),
        Ok(mut modules) => {
            modules.truncate(cfg.module_limit);
            let bytes: usize = modules.iter().map(|(_, d)| d.len()).sum();
            // Both sides must accept and reject the same modules (all are valid in practice).
            let mut ok = 0usize;
            for (name, data) in &modules {
                let ours = Btf::from_bytes_split(data, Arc::clone(&ours_base));
                let lib = LibbpfBtf::from_bytes_split(data, &lib_base);
                assert_eq!(
                    ours.is_ok(),
                    lib.is_ok(),
                    "{name}: ours and libbpf disagree"
                );
                if let (Ok(o), Ok(l)) = (&ours, &lib) {
                    assert_eq!(o.type_cnt(), l.type_cnt(), "{name}: type count");
                    ok += 1;
                }
            }
            // One pass = every module once; each side's results are dropped after its clock stops.
            let (a, b) = interleaved(
                cfg,
                || {
                    modules
                        .iter()
                        .map(|(_, d)| Btf::from_bytes_split(d, Arc::clone(&ours_base)).ok())
                        .collect::<Vec<_>>()
                },
                || {
                    modules
                        .iter()
                        .map(|(_, d)| LibbpfBtf::from_bytes_split(d, &lib_base).ok())
                        .collect::<Vec<_>>()
                },
            );
            let label = format!("modules-all/{BASE_VER}");
            let r = parse_row(&label, modules.len() as u32, bytes, &a, &b);
            println!(
                "({ok} of {} modules parse on both sides; times are per pass over all of them)",
                modules.len()
            );
            summary.ratio(&format!("parse-split/{label}"), r, TARGET_PARSE_SPLIT);
        }
    }
    println!("(times in ms; r = ours/libbpf, lower is better)");
    println!();
}

// ------------------------------------------------------------------------------------------------
// 4. memory
// ------------------------------------------------------------------------------------------------

/// Bytes of heap in use: glibc's in-use chunks plus its mmapped chunks (both libraries allocate
/// through malloc).
fn heap_in_use() -> i64 {
    // SAFETY: mallinfo2 only reads the allocator's statistics.
    let m = unsafe { libc::mallinfo2() };
    (m.uordblks + m.hblkhd) as i64
}

/// A `/proc/self/status` field in bytes (`VmRSS`, `VmHWM`).
fn status_bytes(field: &str) -> i64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse::<i64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// What one call costs in memory.
#[derive(Clone, Copy, Debug)]
struct MemCost {
    /// Anonymous memory still resident after the call, held by its result (`RssAnon`): the heap
    /// and any buffer mapped outside it (btf-core reads large files into their own mapping).
    kept: i64,
    /// Heap still in use after the call (malloc's view only).
    heap: i64,
    /// Growth of the resident set's high-water mark during the call.
    peak_rss: i64,
}

/// Runs `f` with the RSS high-water mark reset, keeps its result until measured, then drops it.
fn mem_cost<R>(f: &mut impl FnMut() -> R) -> MemCost {
    // SAFETY: malloc_trim only returns free memory to the system.
    unsafe { libc::malloc_trim(0) };
    // Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let (rss0, anon0, heap0) = (
        status_bytes("VmRSS"),
        status_bytes("RssAnon"),
        heap_in_use(),
    );
    let result = black_box(f());
    let cost = MemCost {
        kept: status_bytes("RssAnon") - anon0,
        heap: heap_in_use() - heap0,
        peak_rss: status_bytes("VmHWM") - rss0,
    };
    drop(result);
    cost
}

/// The median cost of `runs` calls (memory is nearly deterministic; the median drops outliers
/// from the allocator's own bookkeeping).
fn mem_median<R>(runs: usize, mut f: impl FnMut() -> R) -> MemCost {
    let mut costs: Vec<MemCost> = (0..runs).map(|_| mem_cost(&mut f)).collect();
    let mid = costs.len() / 2;
    costs.sort_by_key(|c| c.kept);
    let kept = costs[mid].kept;
    costs.sort_by_key(|c| c.heap);
    let heap = costs[mid].heap;
    costs.sort_by_key(|c| c.peak_rss);
    MemCost {
        kept,
        heap,
        peak_rss: costs[mid].peak_rss,
    }
}

fn mib(bytes: i64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn mem_row(summary: &mut Summary, label: &str, ours: MemCost, theirs: MemCost) {
    let r = |a: i64, b: i64| a as f64 / (b as f64).max(1.0);
    let (rk, rh, rp) = (
        r(ours.kept, theirs.kept),
        r(ours.heap, theirs.heap),
        r(ours.peak_rss, theirs.peak_rss),
    );
    println!(
        "{:<28} | {:>7.3} {:>7.3} {:>5.2} | {:>7.3} {:>7.3} {:>5.2} | {:>7.3} {:>7.3} {:>5.2}",
        label,
        mib(ours.kept),
        mib(theirs.kept),
        rk,
        mib(ours.heap),
        mib(theirs.heap),
        rh,
        mib(ours.peak_rss),
        mib(theirs.peak_rss),
        rp
    );
    summary.ratio(&format!("memory-kept/{label}"), rk, TARGET_MEMORY);
    summary.ratio(&format!("memory-peak-rss/{label}"), rp, TARGET_MEMORY);
}

fn bench_memory(runs: usize, base_data: &[u8], summary: &mut Summary) {
    println!(
        "== 4. memory of one call: kept by its result (anonymous RSS; of it, malloc'd heap), =="
    );
    println!(
        "==    and peak RSS growth during the call                                            =="
    );
    println!(
        "{:<28} | {:>7} {:>7} {:>5} | {:>7} {:>7} {:>5} | {:>7} {:>7} {:>5}",
        "MiB", "kept", "lbpf", "r", "heap", "lbpf", "r", "peak", "lbpf", "r"
    );
    if std::fs::File::open(SYSFS_VMLINUX).is_ok() {
        let ours = mem_median(runs, || Btf::open(SYSFS_VMLINUX).unwrap());
        let theirs = mem_median(runs, || LibbpfBtf::load_vmlinux().unwrap());
        mem_row(summary, "load_vmlinux_btf (sysfs)", ours, theirs);
    } else {
        println!("SKIP sysfs: {SYSFS_VMLINUX} not readable");
    }
    if let Some(path) = corpus::vmlinux_file("6.18.44") {
        let ours = mem_median(runs, || Btf::parse_file(&path, None).unwrap());
        let theirs = mem_median(runs, || LibbpfBtf::parse(&path).unwrap());
        let size = std::fs::metadata(&path).map_or(0, |m| m.len());
        mem_row(
            summary,
            &format!("btf__parse 6.18.44 ({:.1} MB)", size as f64 / 1e6),
            ours,
            theirs,
        );
    }
    match corpus::modules_all(BASE_VER) {
        Err(e) => println!("SKIP modules-all/{BASE_VER}.tar.zst: {e}"),
        Ok(modules) => {
            let ours_base = Arc::new(Btf::from_bytes(base_data).expect("ours parses the base"));
            let lib_base = Arc::new(LibbpfBtf::from_bytes(base_data).expect("libbpf parses"));
            let ours = mem_median(runs, || {
                modules
                    .iter()
                    .map(|(_, d)| Btf::from_bytes_split(d, Arc::clone(&ours_base)).unwrap())
                    .collect::<Vec<_>>()
            });
            let theirs = mem_median(runs, || {
                modules
                    .iter()
                    .map(|(_, d)| LibbpfBtf::from_bytes_split(d, &lib_base).unwrap())
                    .collect::<Vec<_>>()
            });
            mem_row(
                summary,
                &format!("{} modules kept alive", modules.len()),
                ours,
                theirs,
            );
        }
    }
    println!("(MiB; r = ours/libbpf, lower is better; ours is btf-core's call behind the C one)");
    println!();
}

// ------------------------------------------------------------------------------------------------
// 5. C dump
// ------------------------------------------------------------------------------------------------

fn bench_c_dump(cfg: &Config, summary: &mut Summary) {
    println!(
        "== 5. C dump of vmlinux (vmlinux.h): CDump::dump_type of every id vs libbpf btf_dump =="
    );
    parse_header("vmlinux", "types");
    for path in corpus::vmlinux_files() {
        let ver = corpus::version_of(&path).unwrap_or_default();
        let ours = Btf::parse_file(&path, None).expect("ours parses");
        let theirs = LibbpfBtf::parse(&path).expect("libbpf parses");
        let ids: Vec<u32> = (1..ours.type_cnt()).collect();
        let dump = || {
            let mut d = btf_core::CDump::new(&ours).expect("dumper");
            for &id in &ids {
                d.dump_type(id).expect("dump");
            }
            d.take_output()
        };
        let text = dump();
        assert_eq!(
            Ok(text.clone()),
            theirs.dump_c(&ids).map_err(|e| e.0),
            "{ver}: texts differ"
        );
        let (a, b) = interleaved(cfg, dump, || theirs.dump_c(&ids).expect("libbpf dump"));
        let r = parse_row(&format!("{ver} C"), ours.nr_types(), text.len(), &a, &b);
        summary.ratio(&format!("c-dump/{ver}"), r, TARGET_C_DUMP);
    }
    println!("(times in ms; bytes = the header's size; r = ours/libbpf, lower is better)");
    println!();
    bench_type_data(cfg, summary);
}

/// Typed data: `dump_type_data` of every type up to 4 KiB of the 6.1.0-47 vmlinux, each over
/// deterministic pseudo-random bytes (sparse, so zero members are skipped too), one dumper.
fn bench_type_data(cfg: &Config, summary: &mut Summary) {
    let Some(path) = corpus::vmlinux_file(BASE_VER) else {
        return;
    };
    let ours = Btf::parse_file(&path, None).expect("ours parses");
    let theirs = LibbpfBtf::parse(&path).expect("libbpf parses");
    let mut blob = Vec::new();
    let mut cases = Vec::new();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for id in 1..ours.type_cnt() {
        let size = ours.resolve_size(id).map_or(16, |s| s as usize);
        if size > 4096 {
            continue;
        }
        let start = blob.len().next_multiple_of(8);
        blob.resize(start, 0);
        for _ in 0..size {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            blob.push(if state % 8 == 0 { state as u8 } else { 0 });
        }
        blob.resize(start + size + 64, 0);
        cases.push((id, start..start + size));
    }
    let opts = btf_core::DataOptions::default();
    let ours_run = || {
        let mut d = btf_core::CDump::new(&ours).expect("dumper");
        let mut total = 0usize;
        for (id, range) in &cases {
            let _ = d.dump_type_data(*id, &blob[range.clone()], &opts);
            total += d.output().len() + 1;
            d.clear_output();
        }
        total
    };
    let theirs_run = || {
        theirs
            .dump_type_data(&cases, &blob, None, 0, false, false, false, false)
            .0
            .len()
    };
    assert_eq!(ours_run(), theirs_run(), "typed data texts differ in size");
    let (a, b) = interleaved(cfg, ours_run, theirs_run);
    let r = parse_row(
        &format!("{BASE_VER} data"),
        cases.len() as u32,
        blob.len(),
        &a,
        &b,
    );
    summary.ratio(&format!("type-data/{BASE_VER}"), r, TARGET_C_DUMP);
    println!("(typed data of every type up to 4 KiB, one dumper; types = cases)");
    println!();
}

// ------------------------------------------------------------------------------------------------
// 6. CO-RE relocation resolution
// ------------------------------------------------------------------------------------------------

/// One record's outcome, comparable across the two sides: error (negative errno, 0), poison,
/// new value, target root type id.
type CoreOutcome = (i32, bool, u64, u32);

/// Ours: every CO-RE record of `objects` resolved against `target` as `bpftool gen min_core_btf`
/// does (a fresh candidate cache per object, records in `.BTF.ext` order). Returns how many
/// resolved; each outcome is appended to `out` when given.
fn core_resolve_ours(
    target: &Btf,
    objects: &[btf_core::object::BpfObject],
    mut out: Option<&mut Vec<CoreOutcome>>,
) -> usize {
    use btf_core::co_re::{CandidateCache, ResolveOptions, Targets, resolve_relo};
    let targets = Targets::custom(target);
    let options = ResolveOptions::default();
    let mut resolved = 0;
    for object in objects {
        let Some(ext) = object.ext.as_ref() else {
            continue;
        };
        let mut cache = CandidateCache::default();
        for section in ext.core_relo() {
            let name = section
                .name(&object.btf)
                .map(|s| s.to_string_lossy())
                .unwrap_or_default();
            for (idx, relo) in section.records().enumerate() {
                let r = resolve_relo(
                    &name,
                    idx,
                    &object.btf,
                    &relo,
                    &mut cache,
                    &targets,
                    &options,
                );
                resolved += usize::from(r.error.is_none());
                if let Some(out) = out.as_deref_mut() {
                    let res = r.res.unwrap_or_default();
                    out.push((
                        r.error.as_ref().map_or(0, |e| -e.errno),
                        res.poison,
                        res.new_val,
                        r.target_spec.as_ref().map_or(0, |s| s.root_type_id),
                    ));
                }
            }
        }
    }
    resolved
}

/// libbpf's side of [`core_resolve_ours`], through the test crate's C shim.
fn core_resolve_libbpf(
    target: &LibbpfBtf,
    objects: &[libbpf::LibbpfCoreObject],
    mut out: Option<&mut Vec<CoreOutcome>>,
) -> usize {
    let mut resolved = 0;
    for object in objects {
        match out.as_deref_mut() {
            None => resolved += object.resolve_all(target).expect("libbpf resolves"),
            Some(out) => {
                let (n, outcomes) = object.outcomes(target).expect("libbpf resolves");
                resolved += n;
                out.extend(outcomes.iter().map(|o| {
                    // On failure libbpf leaves targ_res as it was (zeroed); compare only the error.
                    let ok = o.err == 0;
                    (
                        o.err,
                        ok && o.poison != 0,
                        if ok { o.new_val } else { 0 },
                        if ok { o.targ_root } else { 0 },
                    )
                }));
            }
        }
    }
    resolved
}

/// Every CO-RE relocation of the little-endian test objects (`bpfobj`), all together, resolved
/// against each corpus vmlinux: candidate search once per local type and object (fresh cache each
/// iteration, as each object load would) and each relocation's value. Parsing is outside the
/// timed region on both sides.
fn bench_core(cfg: &Config, summary: &mut Summary) {
    println!(
        "== 6. CO-RE: every relocation of the test objects (resolve_relo vs bpf_core_add_cands + =="
    );
    println!("==    bpf_core_calc_relo_insn, as bpftool gen min_core_btf) per target vmlinux ==");
    let objects = match btf_difftest::bpfobj::objects() {
        Ok(o) => o,
        Err(reason) => {
            println!("SKIP core: {reason}\n");
            return;
        }
    };
    let objects: Vec<_> = objects.into_iter().filter(|o| !o.big_endian).collect();
    let ours_objs: Vec<btf_core::object::BpfObject> = objects
        .iter()
        .map(|o| btf_core::object::BpfObject::open(&o.path).expect("ours parses the object"))
        .collect();
    let theirs_objs: Vec<libbpf::LibbpfCoreObject> = objects
        .iter()
        .map(|o| libbpf::LibbpfCoreObject::parse(&o.path).expect("libbpf parses the object"))
        .collect();
    let names: Vec<&str> = objects.iter().map(|o| o.name.as_str()).collect();
    println!("objects: {}", names.join(", "));
    parse_header("vmlinux", "relos");
    for path in corpus::vmlinux_files() {
        let ver = corpus::version_of(&path).unwrap_or_default();
        let ours = Btf::parse_file(&path, None).expect("ours parses");
        let theirs = LibbpfBtf::parse(&path).expect("libbpf parses");
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let na = core_resolve_ours(&ours, &ours_objs, Some(&mut a));
        let nb = core_resolve_libbpf(&theirs, &theirs_objs, Some(&mut b));
        assert_eq!(a.len(), b.len(), "{ver}: number of CO-RE records");
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            assert_eq!(
                x, y,
                "{ver}: record #{i}: (err, poison, new_val, target root)"
            );
        }
        assert_eq!(na, nb, "{ver}: relocations resolved");
        let (sa, sb) = interleaved(
            cfg,
            || core_resolve_ours(&ours, &ours_objs, None),
            || core_resolve_libbpf(&theirs, &theirs_objs, None),
        );
        let data = read(&path);
        let r = parse_row(
            &format!("{ver} CO-RE"),
            a.len() as u32,
            data.len(),
            &sa,
            &sb,
        );
        summary.ratio(&format!("core-resolve/{ver}"), r, TARGET_CORE);
        // The first search on a target builds its candidate index (kept with the `Btf`): the same
        // loop on a freshly parsed target each time (parse untimed), against libbpf's median.
        let mut first = Samples::default();
        while first.len() < cfg.min_iters.max(1) {
            let fresh = Btf::from_bytes(&data).expect("ours parses");
            first.0.push(time_one(&mut || {
                core_resolve_ours(&fresh, &ours_objs, None)
            }));
        }
        let r_first = ratio(first.median(), sb.median());
        println!(
            "  ({na} of {} relocations resolved on both sides; ours on a fresh target, index \
             build included: median {:.3} ms, {r_first:.2} of libbpf's)",
            a.len(),
            ms(first.median())
        );
        summary.ratios.push(format!(
            "RATIO core-resolve-first-search/{ver} ours/libbpf = {r_first:.2}"
        ));
    }
    println!(
        "(times in ms for all objects, ours with the target's candidate index built; bytes = the \
         vmlinux BTF's size; r = ours/libbpf, lower is better)"
    );
    println!();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let smoke = !args.iter().any(|a| a == "--bench");
    let filter = args.iter().find(|a| !a.starts_with('-')).cloned();
    let wants = |section: &str| filter.as_deref().is_none_or(|f| section.contains(f));
    let cfg = if smoke {
        Config::smoke()
    } else {
        Config::full()
    };

    let Some(dir) = corpus::corpus_dir() else {
        println!("SKIP vs_libbpf: ../shared/corpus not found (nothing to measure)");
        return;
    };
    libbpf::quiet();
    machine_info(smoke);
    println!("corpus: {}", dir.display());
    println!(
        "policy: >= {} iterations and >= {:.1} s per side (cap {:.0} s), interleaved A,B,B,A,...",
        cfg.min_iters,
        cfg.min_time.as_secs_f64(),
        cfg.max_time.as_secs_f64()
    );
    println!();

    let mut summary = Summary::default();
    if wants("parse") {
        bench_vmlinux_parse(&cfg, &mut summary);
    }
    if wants("cdump") {
        bench_c_dump(&cfg, &mut summary);
    }
    if wants("core") {
        bench_core(&cfg, &mut summary);
    }
    let base = corpus::vmlinux_file(BASE_VER).map(|p| read(&p));
    match &base {
        None => println!("SKIP find/split: vmlinux/{BASE_VER}.btf not found\n"),
        Some(base) => {
            if wants("find") {
                bench_find(&cfg, base, &mut summary);
            }
            if wants("split") {
                bench_split(&cfg, base, &mut summary);
            }
            if wants("memory") {
                bench_memory(if smoke { 1 } else { 5 }, base, &mut summary);
            }
        }
    }

    if smoke {
        // Unoptimized single iterations: keep them out of anything that greps for RATIO lines.
        println!(
            "smoke run OK ({} ratios computed; run `cargo bench` for measurements)",
            summary.ratios.len()
        );
        return;
    }
    for line in summary.ratios.iter().chain(&summary.targets) {
        println!("{line}");
    }
}
