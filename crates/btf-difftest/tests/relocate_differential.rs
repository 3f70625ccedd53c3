//! `Btf::relocate` against real libbpf 1.7.0's `btf__relocate`.
//!
//! The distilled inputs come from libbpf (`btf__distill_base`, serialised with `btf__raw_data`):
//! both libraries read the same bytes — the distilled base standalone, the distilled split over
//! it — and relocate onto the other build's vmlinux. Compared: success or failure, the errno on
//! failure, every byte of the relocated split on success.
//!
//! * Corpus: every module of 6.1.0-47 onto 6.1.0-54 vmlinux (2,226 of 4,022 relocate) and of
//!   6.1.0-54 onto 6.1.0-47 (2,227 of 4,023); libbpf's golden outputs for `<m>.47-on-54`; failure
//!   causes grouped and printed to stderr, with timings of both libraries.
//! * `.BTF.base` in ELF: `mod-distilled.o` given a base, both libraries fail alike.
//!
//! The `btf_distill` selftest scenarios are unit tests of btf-core (`relocate.rs`). Corpus cases
//! skip (with a `SKIP` line) when `../shared/corpus` is absent.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use btf_core::{Btf, RelocateError};
use btf_difftest::corpus;
use btf_difftest::libbpf::{self, LibbpfBtf};

/// What happened to one module.
struct Case {
    name: String,
    /// libbpf's result: relocated bytes or errno.
    theirs: Result<Vec<u8>, i32>,
    ours: Result<Vec<u8>, RelocateError>,
    t_theirs: Duration,
    t_ours: Duration,
}

/// Both vmlinux builds as each library holds them.
struct Vmlinux {
    src_lib: Arc<LibbpfBtf>,
    dst_lib: Arc<LibbpfBtf>,
    dst_core: Arc<Btf>,
}

fn load(src: &[u8], dst: &[u8], dst_core: &Arc<Btf>) -> Vmlinux {
    Vmlinux {
        src_lib: Arc::new(LibbpfBtf::from_bytes(src).expect("libbpf parses vmlinux")),
        dst_lib: Arc::new(LibbpfBtf::from_bytes(dst).expect("libbpf parses vmlinux")),
        dst_core: Arc::clone(dst_core),
    }
}

/// Distills `module` (split over the source vmlinux) with libbpf, then relocates the serialised
/// result onto the destination vmlinux with both libraries.
fn run_case(v: &Vmlinux, name: &str, module: &[u8]) -> Case {
    let split = LibbpfBtf::from_bytes_split(module, &v.src_lib).expect("libbpf parses module");
    let (dbase, dsplit) = split.distill_base().expect("libbpf distills module");
    let (base_bytes, split_bytes) = (dbase.raw_data(), dsplit.raw_data());
    drop((dsplit, dbase, split));

    // libbpf, on fresh objects (a modifiable object would keep its stale cached raw data).
    let lib_base = Arc::new(LibbpfBtf::from_bytes(&base_bytes).expect("distilled base"));
    let lib_split = LibbpfBtf::from_bytes_split(&split_bytes, &lib_base).expect("distilled split");
    let started = Instant::now();
    let relocated = lib_split.relocate(&v.dst_lib);
    let t_theirs = started.elapsed();
    let theirs = relocated.map(|r| r.raw_data());

    let core_base = Arc::new(Btf::from_bytes(&base_bytes).expect("btf-core reads distilled base"));
    let mut ours = Btf::from_bytes_split(&split_bytes, core_base).expect("btf-core reads split");
    let started = Instant::now();
    let result = ours.relocate_detailed(Arc::clone(&v.dst_core));
    let t_ours = started.elapsed();
    Case {
        name: name.to_owned(),
        theirs,
        ours: result.map(|()| ours.raw_data().into_owned()),
        t_theirs,
        t_ours,
    }
}

/// Runs every module of `src_ver` onto `dst_ver`'s vmlinux on all cores.
fn run_all(src_ver: &str, dst_ver: &str) -> Option<Vec<Case>> {
    let modules = corpus::modules_all(src_ver).ok()?;
    let src = std::fs::read(corpus::vmlinux_file(src_ver)?).ok()?;
    let dst = std::fs::read(corpus::vmlinux_file(dst_ver)?).ok()?;
    let dst_core = Arc::new(Btf::from_bytes(&dst).expect("btf-core parses vmlinux"));
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let next = AtomicUsize::new(0);
    let mut cases: Vec<Case> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    // Each thread has its own libbpf vmlinux pair: libbpf calls on one family are
                    // serialised by its lock.
                    let v = load(&src, &dst, &dst_core);
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some((name, bytes)) = modules.get(i) else {
                            break;
                        };
                        out.push(run_case(&v, name, bytes));
                    }
                    out
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    });
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    Some(cases)
}

fn with_commas(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Checks agreement, prints the summary, returns the number of successful relocations.
fn check_and_report(label: &str, cases: &[Case]) -> usize {
    let mut mismatches = Vec::new();
    let mut first_cause: BTreeMap<String, usize> = BTreeMap::new();
    let mut any_cause: BTreeMap<String, usize> = BTreeMap::new();
    let (mut t_theirs, mut t_ours) = (Duration::ZERO, Duration::ZERO);
    let mut ok = 0;
    for c in cases {
        t_theirs += c.t_theirs;
        t_ours += c.t_ours;
        match (&c.theirs, &c.ours) {
            (Ok(a), Ok(b)) => {
                ok += 1;
                if a != b {
                    mismatches.push(format!("{}: relocated bytes differ", c.name));
                }
            }
            (Err(errno), Err(e)) => {
                if *errno != e.errno() {
                    mismatches.push(format!("{}: libbpf errno {errno}, ours {e}", c.name));
                }
                *first_cause.entry(e.first().cause()).or_default() += 1;
                let mut causes: Vec<String> = e.failures.iter().map(|f| f.cause()).collect();
                causes.sort();
                causes.dedup();
                for cause in causes {
                    *any_cause.entry(cause).or_default() += 1;
                }
            }
            (Ok(_), Err(e)) => mismatches.push(format!("{}: libbpf relocates, ours: {e}", c.name)),
            (Err(errno), Ok(_)) => {
                mismatches.push(format!("{}: libbpf errno {errno}, ours relocates", c.name));
            }
        }
    }
    let failed = cases.len() - ok;
    eprintln!(
        "{label}: {} of {} relocate, {} fail (libbpf agrees on every module: {}); relocate time \
         libbpf {:.0} ms, btf-core {:.0} ms ({:.2} / {:.2} ms per module)",
        with_commas(ok),
        with_commas(cases.len()),
        with_commas(failed),
        mismatches.is_empty(),
        t_theirs.as_secs_f64() * 1e3,
        t_ours.as_secs_f64() * 1e3,
        t_theirs.as_secs_f64() * 1e3 / cases.len().max(1) as f64,
        t_ours.as_secs_f64() * 1e3 / cases.len().max(1) as f64,
    );
    let print = |title: &str, map: &BTreeMap<String, usize>| {
        let mut rows: Vec<_> = map.iter().collect();
        rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        eprintln!("  failure causes ({title}):");
        for (cause, n) in rows.iter().take(12) {
            eprintln!("    {:>6} modules: {cause}", with_commas(**n));
        }
        if rows.len() > 12 {
            eprintln!("    ... and {} more causes", rows.len() - 12);
        }
    };
    print("the one libbpf reports", &first_cause);
    print(
        "every unmatched type; a module counts under each",
        &any_cause,
    );
    // One full message, as a module builder would see it.
    if let Some(Err(e)) = cases.iter().map(|c| &c.ours).find(|r| r.is_err()) {
        eprintln!("  e.g.: {e}");
    }
    assert!(
        mismatches.is_empty(),
        "{label}: {} disagreements with libbpf, first: {:?}",
        mismatches.len(),
        &mismatches[..mismatches.len().min(10)]
    );
    ok
}

#[test]
fn every_module_47_onto_54_and_54_onto_47() {
    let dir = btf_difftest::require_corpus!("every_module_47_onto_54_and_54_onto_47");
    libbpf::quiet();
    for (src, dst, total, relocated) in [
        ("6.1.0-47", "6.1.0-54", 4022, 2226),
        ("6.1.0-54", "6.1.0-47", 4023, 2227),
    ] {
        let Some(cases) = run_all(src, dst) else {
            eprintln!("SKIP {src} onto {dst}: modules-all or vmlinux missing");
            continue;
        };
        let ok = check_and_report(&format!("{src} onto {dst}"), &cases);
        assert_eq!((cases.len(), ok), (total, relocated), "{src} onto {dst}");
        if src == "6.1.0-47" {
            check_goldens(&dir, &cases);
        }
    }
}

/// libbpf's recorded outputs for `<m>.47-on-54`.
fn check_goldens(dir: &std::path::Path, cases: &[Case]) {
    let expected = dir.join("expected/libbpf-1.7.0");
    let mut seen = 0;
    for entry in std::fs::read_dir(&expected).into_iter().flatten().flatten() {
        let file = entry.file_name().into_string().unwrap_or_default();
        let Some(module) = file.strip_suffix(".47-on-54.relocated_split.libbpf-1.7.0.btf") else {
            continue;
        };
        let golden = std::fs::read(entry.path()).unwrap();
        let case = cases
            .iter()
            .find(|c| c.name == module)
            .unwrap_or_else(|| panic!("golden {module} is not in modules-all"));
        let ours = case
            .ours
            .as_ref()
            .unwrap_or_else(|e| panic!("{module}: {e}"));
        assert!(
            ours == &golden,
            "{module}: relocated bytes differ from the golden"
        );
        seen += 1;
    }
    eprintln!("goldens: {seen} relocated splits byte-identical to libbpf 1.7.0's");
    assert!(seen > 0, "no goldens found in {}", expected.display());
}

#[test]
fn elf_with_full_btf_base_given_a_base_fails_like_libbpf() {
    libbpf::quiet();
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data");
    let small = data.join("small.btf");
    let obj = data.join("mod-distilled.o");
    let lib_base = Arc::new(LibbpfBtf::parse(&small).unwrap());
    let theirs = LibbpfBtf::parse_split(&obj, &lib_base)
        .map(|_| ())
        .unwrap_err();
    let base = Arc::new(Btf::parse_raw_file(&small, None).unwrap());
    let ours = Btf::parse_elf_file(&obj, Some(base)).unwrap_err();
    assert_eq!(ours.errno(), theirs, "{ours}");
}
