//! btf-core's typed API (`btf_core::typed`) against btf-rs 2, the BTF crate of the Rust
//! ecosystem with the same kind of API (`Btf::resolve_type_by_id` → `Type` enum), measured in the
//! same process on the same files.
//!
//! Run with `cargo bench -p btf-difftest --bench typed_vs_btf_rs` (`make bench` runs it after
//! `vs_libbpf`). For each corpus vmlinux (`../shared/corpus/vmlinux/*.btf`; a line says SKIP when
//! the corpus is absent):
//!
//! 1. parse from the file: `btf_core::Btf::parse_file` vs `btf_rs::Btf::from_file` (its default,
//!    caching backend), reported beside the main measurement, not part of it;
//! 2. `typed-members`: every member of every struct and union, in id order, with its name as
//!    `&str` (ours: `Member::name`; btf-rs: `Btf::resolve_name`, a `String`) and the kind of its
//!    type (ours: `Member::ty`; btf-rs: `Btf::resolve_chained_type`). Both sides first count the
//!    same members, sum the same kind numbers and hash the same names (FNV-1a, in order), so they
//!    did the same work; the timed region excludes parsing.
//!
//! The two sides are interleaved (A,B then B,A, ...) and each runs at least 30 times and 0.5 s.
//! Without `--bench` on the command line (`cargo test --benches`) it runs once, checks the
//! agreement, and prints no `RATIO`/`TARGET` lines. A positional argument that is not part of
//! `typed` (e.g. `make bench` passing `parse` to `vs_libbpf`) skips this benchmark.
//!
//! Output ends with `RATIO typed-…/<version> ours/btf-rs = x.xx` lines (lower is better) and a
//! `TARGET` line per version for `typed-members`.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use btf_core::typed::{Member, Type};
use btf_difftest::corpus;
use btf_difftest::stats::{self, ms};

/// Goal, ours/btf-rs time, for walking every member of every struct and union.
const TARGET_MEMBERS: f64 = 0.5;

/// What a walk found: members, the sum of their types' kind numbers, and a hash of their names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tally {
    composites: u64,
    members: u64,
    kinds: u64,
    names: u64,
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

impl Tally {
    fn new() -> Self {
        Tally {
            names: FNV_OFFSET,
            ..Tally::default()
        }
    }
    #[inline]
    fn member(&mut self, name: &str, kind: u32) {
        self.members += 1;
        self.kinds += u64::from(kind);
        let mut h = self.names;
        for &b in name.as_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(FNV_PRIME);
        }
        // A separator, so that "ab","c" and "a","bc" differ.
        self.names = (h ^ 0xff).wrapping_mul(FNV_PRIME);
    }
}

/// The UAPI kind number of a btf-core typed view.
fn kind_ours(t: &Type<'_>) -> u32 {
    match t {
        Type::Void => 0,
        Type::Int(_) => 1,
        Type::Ptr(_) => 2,
        Type::Array(_) => 3,
        Type::Struct(_) => 4,
        Type::Union(_) => 5,
        Type::Enum(_) => 6,
        Type::Fwd(_) => 7,
        Type::Typedef(_) => 8,
        Type::Volatile(_) => 9,
        Type::Const(_) => 10,
        Type::Restrict(_) => 11,
        Type::Func(_) => 12,
        Type::FuncProto(_) => 13,
        Type::Var(_) => 14,
        Type::Datasec(_) => 15,
        Type::Float(_) => 16,
        Type::DeclTag(_) => 17,
        Type::TypeTag(_) => 18,
        Type::Enum64(_) => 19,
        _ => 31,
    }
}

/// The UAPI kind number of a btf-rs type.
fn kind_rs(t: &btf_rs::Type) -> u32 {
    use btf_rs::Type as T;
    match t {
        T::Void => 0,
        T::Int(_) => 1,
        T::Ptr(_) => 2,
        T::Array(_) => 3,
        T::Struct(_) => 4,
        T::Union(_) => 5,
        T::Enum(_) => 6,
        T::Fwd(_) => 7,
        T::Typedef(_) => 8,
        T::Volatile(_) => 9,
        T::Const(_) => 10,
        T::Restrict(_) => 11,
        T::Func(_) => 12,
        T::FuncProto(_) => 13,
        T::Var(_) => 14,
        T::Datasec(_) => 15,
        T::Float(_) => 16,
        T::DeclTag(_) => 17,
        T::TypeTag(_) => 18,
        T::Enum64(_) => 19,
        _ => 31,
    }
}

/// Ours: `iter_types`, then each struct's and union's `members()`, `name()` and `ty()`.
fn walk_ours(btf: &btf_core::Btf) -> Tally {
    #[inline]
    fn members<'a>(tally: &mut Tally, ms: impl Iterator<Item = Member<'a>>) {
        tally.composites += 1;
        for m in ms {
            let kind = m.ty().map_or(31, |t| kind_ours(&t));
            tally.member(m.name().unwrap_or(""), kind);
        }
    }
    let mut tally = Tally::new();
    for t in btf.iter_types() {
        match t {
            Type::Struct(s) => members(&mut tally, s.members()),
            Type::Union(u) => members(&mut tally, u.members()),
            _ => {}
        }
    }
    tally
}

/// btf-rs: every id through `resolve_type_by_id`, then each member's `resolve_name` and
/// `resolve_chained_type` (what its documentation shows for walking a struct).
fn walk_btf_rs(btf: &btf_rs::Btf, type_cnt: u32) -> Tally {
    let mut tally = Tally::new();
    for id in 1..type_cnt {
        let t = btf
            .resolve_type_by_id(id)
            .unwrap_or_else(|e| panic!("btf-rs: type {id}: {e}"));
        if let btf_rs::Type::Struct(s) | btf_rs::Type::Union(s) = &t {
            tally.composites += 1;
            for m in &s.members {
                let name = btf.resolve_name(m).unwrap_or_default();
                let kind = btf.resolve_chained_type(m).map_or(31, |t| kind_rs(&t));
                tally.member(&name, kind);
            }
        }
    }
    tally
}

#[derive(Clone, Copy, Debug)]
struct Config {
    min_iters: usize,
    min_time: Duration,
    max_time: Duration,
}

impl Config {
    fn done(&self, iters: usize, a: Duration, b: Duration) -> bool {
        iters >= self.min_iters && (a.max(b) >= self.max_time || a.min(b) >= self.min_time)
    }
}

fn time_one<R>(f: &mut impl FnMut() -> R) -> Duration {
    let start = Instant::now();
    let r = black_box(f());
    let d = start.elapsed();
    drop(r);
    d
}

/// Runs `a` and `b` alternately (A,B, B,A, ...) after one untimed warm-up each; the medians.
fn interleaved<RA, RB>(
    cfg: &Config,
    mut a: impl FnMut() -> RA,
    mut b: impl FnMut() -> RB,
) -> (Duration, Duration, usize) {
    drop(black_box(a()));
    drop(black_box(b()));
    let (mut sa, mut sb) = (Vec::new(), Vec::new());
    let (mut ta, mut tb) = (Duration::ZERO, Duration::ZERO);
    while !cfg.done(sa.len(), ta, tb) {
        let (da, db) = if sa.len() % 2 == 0 {
            let da = time_one(&mut a);
            (da, time_one(&mut b))
        } else {
            let db = time_one(&mut b);
            (time_one(&mut a), db)
        };
        sa.push(da);
        sb.push(db);
        ta += da;
        tb += db;
    }
    (stats::median(&sa), stats::median(&sb), sa.len())
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-12)
}

fn bench_file(cfg: &Config, path: &Path, lines: &mut Vec<String>) {
    let ver = corpus::version_of(path).unwrap_or_default();
    let (p_ours, p_rs, p_iters) = interleaved(
        cfg,
        || btf_core::Btf::parse_file(path, None).expect("btf-core parses the corpus"),
        || btf_rs::Btf::from_file(path).expect("btf-rs parses the corpus"),
    );
    let ours = btf_core::Btf::parse_file(path, None).expect("btf-core parses the corpus");
    let theirs = btf_rs::Btf::from_file(path).expect("btf-rs parses the corpus");
    let type_cnt = ours.type_cnt();

    let (a, b) = (walk_ours(&ours), walk_btf_rs(&theirs, type_cnt));
    assert_eq!(a, b, "{ver}: the two walks disagree");
    let (m_ours, m_rs, m_iters) =
        interleaved(cfg, || walk_ours(&ours), || walk_btf_rs(&theirs, type_cnt));
    let per = |d: Duration| d.as_secs_f64() * 1e9 / a.members.max(1) as f64;
    println!(
        "{ver:<10} {:>7} {:>8} {:>8} | parse {:>8.3} {:>8.3} ms {:>6.2} ({p_iters:>3}x) | members {:>7.3} {:>8.3} ms {:>5.1} {:>6.1} ns/member {:>6.3} ({m_iters}x)",
        type_cnt - 1,
        a.composites,
        a.members,
        ms(p_ours),
        ms(p_rs),
        ratio(p_ours, p_rs),
        ms(m_ours),
        ms(m_rs),
        per(m_ours),
        per(m_rs),
        ratio(m_ours, m_rs),
    );
    let r = ratio(m_ours, m_rs);
    lines.push(format!("RATIO typed-members/{ver} ours/btf-rs = {r:.3}"));
    lines.push(format!(
        "RATIO typed-parse/{ver} ours/btf-rs = {:.3}",
        ratio(p_ours, p_rs)
    ));
    let verdict = if r <= TARGET_MEMBERS {
        "met"
    } else {
        "NOT MET"
    };
    lines.push(format!(
        "TARGET typed-members/{ver} ours/btf-rs <= {TARGET_MEMBERS:.2}: {verdict} ({r:.3})"
    ));
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let smoke = !args.iter().any(|a| a == "--bench");
    if let Some(f) = args.iter().find(|a| !a.starts_with('-')) {
        if !"typed".contains(f.as_str()) {
            println!("SKIP typed_vs_btf_rs: filter {f:?} selects another benchmark");
            return;
        }
    }
    let cfg = if smoke {
        Config {
            min_iters: 1,
            min_time: Duration::ZERO,
            max_time: Duration::ZERO,
        }
    } else {
        Config {
            min_iters: 30,
            min_time: Duration::from_millis(500),
            max_time: Duration::from_secs(10),
        }
    };
    let Some(dir) = corpus::corpus_dir() else {
        println!("SKIP typed_vs_btf_rs: ../shared/corpus not found (nothing to measure)");
        return;
    };
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "btf-core typed API vs btf-rs 2 (default caching backend), corpus {}",
        dir.display()
    );
    println!(
        "machine: CPUs this process may use = {nproc} ({}); optimized build: {}",
        if nproc == 1 { "ONE CORE" } else { "all cores" },
        stats::build_label()
    );
    println!("times are medians; ratios ours/btf-rs (lower is better)");
    println!(
        "{:<10} {:>7} {:>8} {:>8} | parse ours, btf-rs, ratio      | every member: name + type kind",
        "vmlinux", "types", "structs", "members"
    );
    let mut lines = Vec::new();
    let files = corpus::vmlinux_files();
    if files.is_empty() {
        println!("SKIP typed_vs_btf_rs: no vmlinux/*.btf in the corpus");
    }
    for path in files {
        bench_file(&cfg, &path, &mut lines);
    }
    if smoke {
        println!(
            "smoke run OK ({} ratios computed; run `cargo bench` for measurements)",
            lines.len()
        );
        return;
    }
    for line in lines {
        println!("{line}");
    }
}
