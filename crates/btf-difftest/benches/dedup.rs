//! `dedup` of every module of `modules-all/6.1.0-54` glued into one split BTF over the 6.1.0-54
//! vmlinux (941,065 own types): btf-core against real libbpf 1.7.0, in the same process on the
//! same bytes.
//!
//! Run with `cargo bench -p btf-difftest --bench dedup`. The input is glued once with btf-core's
//! `add_btf` (byte-identical to libbpf's) and serialized. Each timed run starts from those bytes
//! parsed over the vmlinux (untimed) and times the dedup call alone: `Btf::dedup` on one side,
//! `btf__dedup` on the other (the wrapper times the call itself, inside its big-stack thread).
//! Both parsed-from-bytes objects dedup their strings as well as their types.
//!
//! Before timing, one untimed run of each checks that both give the same bytes. Then the sides
//! alternate (A,B then B,A, ...) for [`REPS`] repetitions each; medians and their ratio are
//! printed. Without `--bench` on the command line (under `cargo test --benches`) it runs in
//! smoke mode: 50 modules, one repetition. `--ours-only` skips libbpf entirely (for profiling).

use btf_difftest::stats;
use btf_difftest::stats::{median, ms};
use std::sync::Arc;
use std::time::Duration;

use btf_core::{Btf, DedupOptions};
use btf_difftest::corpus;
use btf_difftest::libbpf::{self, DedupSource};

const VER: &str = "6.1.0-54";
/// Timed repetitions per side.
const REPS: usize = 7;

/// btf-core: parse (untimed), dedup (timed); the time and the bytes.
fn ours(base: &Arc<Btf>, split: &[u8]) -> (Duration, Vec<u8>) {
    let mut btf = Btf::from_bytes_split(split, Arc::clone(base)).expect("btf-core parses");
    let start = std::time::Instant::now();
    btf.dedup(&DedupOptions::new()).expect("btf-core dedups");
    let elapsed = start.elapsed();
    (elapsed, btf.raw_data().into_owned())
}

/// libbpf: the wrapper parses (untimed) and times `btf__dedup` alone.
fn theirs(base: &[u8], split: &[u8]) -> (Duration, Vec<u8>) {
    let out = libbpf::dedup(Some(base), split, DedupSource::Parsed, false)
        .unwrap_or_else(|e| panic!("libbpf refuses the input: errno {e}"));
    assert_eq!(out.ret, 0, "btf__dedup failed");
    (out.elapsed, out.raw)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let smoke = !args.iter().any(|a| a == "--bench");
    let ours_only = args.iter().any(|a| a == "--ours-only");
    let Some(vmlinux) = corpus::vmlinux_file(VER) else {
        println!("SKIP dedup: vmlinux/{VER}.btf not found (nothing to measure)");
        return;
    };
    libbpf::quiet();
    let optimized = stats::build_label();
    println!(
        "dedup bench: {} mode, optimized: {optimized}",
        if smoke { "smoke" } else { "full" }
    );

    let base_bytes = std::fs::read(&vmlinux).expect("read vmlinux");
    let base = Arc::new(Btf::from_bytes(&base_bytes).expect("btf-core parses the vmlinux"));
    let mut modules = corpus::modules_all(VER).expect("modules-all archive");
    if smoke {
        modules.truncate(50);
    }
    let mut glued = Btf::new_empty_split(Arc::clone(&base));
    for (name, bytes) in &modules {
        let m = Btf::from_bytes_split(bytes, Arc::clone(&base))
            .unwrap_or_else(|e| panic!("btf-core rejects {name}: {e}"));
        glued.add_btf(&m).expect("add_btf");
    }
    let split = glued.raw_data().into_owned();
    println!(
        "{} modules of {VER} glued: {} own types, {} bytes, over vmlinux/{VER} ({} types)",
        modules.len(),
        glued.nr_types(),
        split.len(),
        base.type_cnt() - 1
    );
    drop(glued);

    if ours_only {
        let times: Vec<Duration> = (0..REPS).map(|_| ours(&base, &split).0).collect();
        println!(
            "btf-core dedup: median {:.1} ms (libbpf not run)",
            ms(median(&times))
        );
        return;
    }
    // Untimed check: same bytes.
    let (_, ours_raw) = ours(&base, &split);
    let (_, their_raw) = theirs(&base_bytes, &split);
    assert!(ours_raw == their_raw, "dedup results differ from libbpf's");
    let after = Btf::from_bytes_split(&ours_raw, Arc::clone(&base)).expect("result parses");
    println!(
        "check: equal bytes ({} bytes), {} own types after dedup",
        ours_raw.len(),
        after.nr_types()
    );
    drop((ours_raw, their_raw, after));

    let reps = if smoke { 1 } else { REPS };
    let (mut ours_t, mut their_t) = (Vec::new(), Vec::new());
    for i in 0..reps {
        if i % 2 == 0 {
            ours_t.push(ours(&base, &split).0);
            their_t.push(theirs(&base_bytes, &split).0);
        } else {
            their_t.push(theirs(&base_bytes, &split).0);
            ours_t.push(ours(&base, &split).0);
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
        "btf-core dedup: median {:.1} ms  [{} ms]",
        ms(om),
        fmt(&ours_t)
    );
    println!(
        "libbpf   dedup: median {:.1} ms  [{} ms]",
        ms(tm),
        fmt(&their_t)
    );
    if !smoke {
        let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-12);
        let min = |v: &[Duration]| v.iter().copied().min().unwrap_or_default();
        println!(
            "RATIO dedup ours/libbpf = {:.2} (medians; of the minima {:.2})",
            ratio(om, tm),
            ratio(min(&ours_t), min(&their_t))
        );
    }
}
