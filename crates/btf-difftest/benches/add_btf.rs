//! `add_btf` of every module of `modules-all/6.1.0-47` into one empty split BTF over the 6.1.0-47
//! vmlinux: btf-core against real libbpf 1.7.0, in the same process on the same bytes.
//!
//! Run with `cargo bench -p btf-difftest --bench add_btf`. Outside the timed region: parsing the
//! vmlinux (once per library), building each library's string index of it (btf-core by a first
//! `find_str`, libbpf by its first `btf__find_str`, which makes the base modifiable), and parsing
//! every module over that one base object. Timed: `new_empty_split`, the `add_btf` loop over all
//! modules, and the final `raw_data` (the wrapper copies libbpf's `btf__raw_data` buffer out, one
//! extra 45 MB copy, about 1 % of libbpf's time). The result is dropped after the clock stops.
//!
//! Before timing, one untimed run of each checks that both give the same `add_btf` results and the
//! same bytes. Then the sides alternate (A,B then B,A, ...) for [`REPS`] repetitions each; the
//! medians and their ratio are printed. Without `--bench` on the command line (under
//! `cargo test --benches`) it runs in smoke mode: 50 modules, one repetition.

use btf_difftest::stats;
use btf_difftest::stats::{median, ms};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use btf_core::Btf;
use btf_difftest::corpus;
use btf_difftest::libbpf::{self, LibbpfBtfMut};

/// Build whose modules are added, over its own vmlinux.
const VER: &str = "6.1.0-47";
/// Timed repetitions per side.
const REPS: usize = 9;

/// Every module into one new split BTF over `base`; the `add_btf` results and the raw bytes.
fn ours_run(base: &Arc<Btf>, modules: &[Btf]) -> (Vec<i64>, Btf) {
    let mut dst = Btf::new_empty_split(Arc::clone(base));
    let ids = modules
        .iter()
        .map(|m| match dst.add_btf(m) {
            Ok(id) => i64::from(id),
            Err(e) => -i64::from(e.errno()),
        })
        .collect();
    (ids, dst)
}

/// `btf__add_btf`; the wrapper never refuses these calls (same base, no vlen spill).
fn their_add_btf(dst: &mut LibbpfBtfMut, src: &LibbpfBtfMut) -> i32 {
    dst.add_btf(src)
        .unwrap_or_else(|e| panic!("libbpf call refused: {e}"))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let smoke = !args.iter().any(|a| a == "--bench");
    let Some(vmlinux) = corpus::vmlinux_file(VER) else {
        println!("SKIP add_btf: vmlinux/{VER}.btf not found (nothing to measure)");
        return;
    };
    libbpf::quiet();
    let optimized = stats::build_label();
    println!(
        "add_btf bench: {} mode, optimized: {optimized}",
        if smoke { "smoke" } else { "full" }
    );

    let base_bytes = std::fs::read(&vmlinux).expect("read vmlinux");
    let ours_base = Arc::new(Btf::from_bytes(&base_bytes).expect("btf-core parses the vmlinux"));
    // Build the base's string index now, as libbpf's WritableBase does for its base.
    assert_eq!(ours_base.find_str(""), Some(0));
    let their_base = Arc::new(LibbpfBtfMut::from_bytes(&base_bytes).expect("libbpf parses"));
    // libbpf: the first `btf__find_str` makes the base modifiable, which builds its string set.
    assert_eq!(their_base.find_str(c""), 0);

    let mut modules = corpus::modules_all(VER).expect("modules-all archive");
    if smoke {
        modules.truncate(50);
    }
    let ours_mods: Vec<Btf> = modules
        .iter()
        .map(|(name, b)| {
            Btf::from_bytes_split(b, Arc::clone(&ours_base))
                .unwrap_or_else(|e| panic!("btf-core rejects {name}: {e}"))
        })
        .collect();
    let their_mods: Vec<LibbpfBtfMut> = modules
        .iter()
        .map(|(name, b)| {
            LibbpfBtfMut::from_bytes_split(b, &their_base)
                .unwrap_or_else(|e| panic!("libbpf rejects {name}: errno {e}"))
        })
        .collect();
    let src_types: u64 = ours_mods.iter().map(|m| u64::from(m.nr_types())).sum();
    println!(
        "{} modules of {VER}, {src_types} types, over vmlinux/{VER} ({} types)",
        modules.len(),
        ours_base.type_cnt() - 1
    );

    // Untimed check: same results, same bytes.
    let (ours_ids, ours_dst) = ours_run(&ours_base, &ours_mods);
    let mut theirs = LibbpfBtfMut::new_empty_split(&their_base).expect("btf__new_empty_split");
    let their_ids: Vec<i64> = their_mods
        .iter()
        .map(|m| i64::from(their_add_btf(&mut theirs, m)))
        .collect();
    assert_eq!(ours_ids, their_ids, "add_btf results differ");
    let ours_raw = ours_dst.raw_data().into_owned();
    assert!(
        ours_raw == theirs.raw_data(),
        "final raw_data differs from libbpf's"
    );
    println!(
        "check: {} add_btf results equal, type_cnt {}, raw_data {} bytes equal",
        ours_ids.len(),
        ours_dst.type_cnt(),
        ours_raw.len()
    );
    drop((ours_dst, theirs, ours_raw));

    let ours_run_timed = || {
        let start = Instant::now();
        let (ids, dst) = ours_run(&ours_base, &ours_mods);
        let len = dst.raw_data().len();
        let d = start.elapsed();
        black_box((ids, len));
        drop(dst);
        d
    };
    let their_run_timed = || {
        let start = Instant::now();
        let mut dst = LibbpfBtfMut::new_empty_split(&their_base).expect("btf__new_empty_split");
        let ids: Vec<i32> = their_mods
            .iter()
            .map(|m| their_add_btf(&mut dst, m))
            .collect();
        let len = dst.raw_data().len();
        let d = start.elapsed();
        black_box((ids, len));
        drop(dst);
        d
    };
    let reps = if smoke { 1 } else { REPS };
    let (mut ours_t, mut their_t) = (Vec::new(), Vec::new());
    for i in 0..reps {
        if i % 2 == 0 {
            ours_t.push(ours_run_timed());
            their_t.push(their_run_timed());
        } else {
            their_t.push(their_run_timed());
            ours_t.push(ours_run_timed());
        }
    }
    let fmt = |v: &[Duration]| {
        v.iter()
            .map(|d| format!("{:.0}", ms(*d)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let (om, tm) = (median(&ours_t), median(&their_t));
    println!(
        "btf-core add_btf x{}: median {:.1} ms  [{} ms]",
        modules.len(),
        ms(om),
        fmt(&ours_t)
    );
    println!(
        "libbpf   add_btf x{}: median {:.1} ms  [{} ms]",
        modules.len(),
        ms(tm),
        fmt(&their_t)
    );
    if !smoke {
        let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-12);
        let min = |v: &[Duration]| v.iter().copied().min().unwrap_or_default();
        println!(
            "RATIO add_btf_all_modules ours/libbpf = {:.2} (medians; of the minima {:.2})",
            ratio(om, tm),
            ratio(min(&ours_t), min(&their_t))
        );
    }
}
