//! Batch relocation check: distill every 6.1.0-47 module over the 6.1.0-47 vmlinux and relocate
//! it onto the 6.1.0-54 vmlinux, btf-core against real libbpf 1.7.0, in the same process on the
//! same bytes.
//!
//! Ours is what `btf check-relocate` does: the new base is indexed once
//! ([`RelocateIndex`]) and modules run in parallel with rayon. libbpf does the same one module at
//! a time (`btf__new_split`, `btf__distill_base`, `btf__relocate`), as a tool built on it would.
//! Both sides parse each module's split BTF inside the timed region; the two vmlinux files are
//! parsed once, untimed. Both must agree on how many modules relocate (2,226 of 4,022).
//!
//! Run with `cargo bench -p btf-difftest --bench batch`; prints `RATIO batch ours/libbpf = x`.
//! Without `--bench` (under `cargo test --benches`) it runs in smoke mode: 50 modules, one
//! repetition.

use btf_difftest::stats::median;
use std::sync::Arc;
use std::time::{Duration, Instant};

use btf_core::{Btf, RelocateIndex};
use btf_difftest::corpus;
use btf_difftest::libbpf::{self, LibbpfBtf};
use rayon::prelude::*;

const REPS: usize = 3;

fn ours(old: &Arc<Btf>, new: &Arc<Btf>, modules: &[(String, Vec<u8>)]) -> (Duration, usize) {
    let start = Instant::now();
    let index = RelocateIndex::new(Arc::clone(new));
    let ok = modules
        .par_iter()
        .filter(|(_, data)| {
            let split = Btf::from_bytes_split(data, Arc::clone(old)).expect("btf-core parses");
            let (_, mut distilled) = split.distill_base().expect("btf-core distills");
            distilled.relocate_indexed(&index).is_ok()
        })
        .count();
    (start.elapsed(), ok)
}

fn theirs(
    old: &Arc<LibbpfBtf>,
    new: &Arc<LibbpfBtf>,
    modules: &[(String, Vec<u8>)],
) -> (Duration, usize) {
    let start = Instant::now();
    let mut ok = 0;
    for (_, data) in modules {
        let split = LibbpfBtf::from_bytes_split(data, old).expect("libbpf parses");
        let (_, distilled) = split.distill_base().expect("libbpf distills");
        if distilled.relocate(new).is_ok() {
            ok += 1;
        }
    }
    (start.elapsed(), ok)
}

fn main() {
    let smoke = !std::env::args().any(|a| a == "--bench");
    let Some(dir) = corpus::skip_without_corpus("batch bench") else {
        return;
    };
    libbpf::quiet();
    let read = |p: &str| std::fs::read(dir.join(p)).expect("reading vmlinux");
    let (old_raw, new_raw) = (read("vmlinux/6.1.0-47.btf"), read("vmlinux/6.1.0-54.btf"));
    let mut modules = corpus::modules_all("6.1.0-47").expect("modules-all/6.1.0-47.tar.zst");
    if smoke {
        modules.truncate(50);
    }
    let old = Arc::new(Btf::from_bytes(&old_raw).expect("parse"));
    let new = Arc::new(Btf::from_bytes(&new_raw).expect("parse"));
    let lold = Arc::new(LibbpfBtf::from_bytes(&old_raw).expect("libbpf parse"));
    let lnew = Arc::new(LibbpfBtf::from_bytes(&new_raw).expect("libbpf parse"));

    let reps = if smoke { 1 } else { REPS };
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for rep in 0..reps {
        // Alternate the order so neither side always runs on a warm cache.
        let run_ours = |a: &mut Vec<Duration>| {
            let (t, ok) = ours(&old, &new, &modules);
            a.push(t);
            ok
        };
        let run_theirs = |b: &mut Vec<Duration>| {
            let (t, ok) = theirs(&lold, &lnew, &modules);
            b.push(t);
            ok
        };
        let (o, l) = if rep % 2 == 0 {
            let o = run_ours(&mut a);
            (o, run_theirs(&mut b))
        } else {
            let l = run_theirs(&mut b);
            (run_ours(&mut a), l)
        };
        assert_eq!(
            o, l,
            "btf-core and libbpf disagree on how many modules relocate"
        );
        if !smoke {
            assert_eq!((o, modules.len()), (2226, 4022));
        }
        println!("rep {rep}: {o} of {} modules relocate", modules.len());
    }
    let (ma, mb) = (median(&a), median(&b));
    println!(
        "batch distill+relocate of {} modules 6.1.0-47 -> 6.1.0-54: ours {:.1} ms ({} threads), \
         libbpf {:.1} ms (one by one)",
        modules.len(),
        ma.as_secs_f64() * 1e3,
        rayon::current_num_threads(),
        mb.as_secs_f64() * 1e3
    );
    println!(
        "RATIO batch ours/libbpf = {:.3}",
        ma.as_secs_f64() / mb.as_secs_f64()
    );
}
