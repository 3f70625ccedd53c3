//! Bodies of the differential fuzz targets: btf-core against real libbpf 1.7.0 (`libbpf-sys`,
//! through btf-difftest's wrappers) in the same process, on the same bytes — same accept/reject and
//! errno, and the same output bytes: parse and raw data (both byte orders), dedup, distill and
//! relocate, C dump and typed data.
//!
//! Inputs on which libbpf itself misbehaves are not handed to the misbehaving call; every such
//! predicate is in [`libbpf_bugs`] and documented in `fuzz/LIBBPF_BUGS.md`.
//!
//! Kept apart from `btf-fuzz-capi`: libbpf and libbtf define the same C symbols.

use std::sync::{Arc, OnceLock};

use btf_core::{Btf, CDump, DataOptions, DedupOptions, Endianness};
use btf_difftest::libbpf::{self, DedupSource, LibbpfBtf, LibbpfBtfMut};
use btf_fuzz_targets::{SMALL_BTF, Target, small_base};

pub mod libbpf_bugs;

/// Every differential target.
pub const TARGETS: &[Target] = &[
    ("diff_parse", diff_parse),
    ("diff_dedup", diff_dedup),
    ("diff_distill", diff_distill),
    ("diff_c_dump", diff_c_dump),
];

fn lib_base() -> &'static Arc<LibbpfBtf> {
    static BASE: OnceLock<Arc<LibbpfBtf>> = OnceLock::new();
    BASE.get_or_init(|| {
        libbpf::quiet();
        Arc::new(LibbpfBtf::from_bytes(SMALL_BTF).expect("libbpf parses small.btf"))
    })
}

fn lib_base_mut() -> Arc<LibbpfBtfMut> {
    Arc::new(LibbpfBtfMut::from_bytes(SMALL_BTF).expect("libbpf parses small.btf"))
}

fn ours(data: &[u8], split: bool) -> Result<Btf, i32> {
    if split {
        Btf::from_bytes_split(data, Arc::clone(small_base()))
    } else {
        Btf::from_bytes(data)
    }
    .map_err(|e| e.errno())
}

fn theirs(data: &[u8], split: bool) -> Result<LibbpfBtf, i32> {
    libbpf::quiet();
    if split {
        LibbpfBtf::from_bytes_split(data, lib_base())
    } else {
        LibbpfBtf::from_bytes(data)
    }
}

/// The largest type whose typed data is compared: libbpf reads that far past a case's data
/// (LIBBPF-7), so each case's bytes are followed by that many zeros.
const TYPED_DATA_READ_MAX: u64 = 1 << 15;

fn cap(data: &[u8]) -> &[u8] {
    &data[..data.len().min(1 << 14)]
}

/// Same accept/reject and errno, same type records, same raw data in both byte orders, for raw
/// BTF and for split BTF over `small.btf`.
pub fn diff_parse(data: &[u8]) {
    let data = cap(data);
    for split in [false, true] {
        let (o, t) = (ours(data, split), theirs(data, split));
        if libbpf_bugs::intended_divergence(data, o.as_ref().ok()) {
            continue;
        }
        let (o, t) = match (o, t) {
            (Ok(o), Ok(t)) => (o, t),
            (Err(a), Err(b)) => {
                assert_eq!(
                    a, b,
                    "split={split}: both refuse, errno btf-core {a} vs libbpf {b}"
                );
                continue;
            }
            (o, t) => panic!(
                "split={split}: btf-core {:?} vs libbpf {:?}",
                o.map(|b| b.type_cnt()),
                t.map(|b| b.type_cnt())
            ),
        };
        assert_eq!(o.type_cnt(), t.type_cnt(), "split={split}: type count");
        for id in o.start_id()..o.type_cnt() {
            let rec: Vec<u8> = o
                .type_by_id(id)
                .unwrap()
                .words()
                .iter()
                .flat_map(|w| w.to_ne_bytes())
                .collect();
            assert_eq!(
                t.type_record(id),
                Some(&rec[..]),
                "split={split}: record [{id}]"
            );
        }
        let h = o.header();
        // Foreign-order input is always rebuilt: with gaps or a short header, libbpf writes its
        // stale header (LIBBPF-1, -2), btf-core the canonical one.
        let foreign = o.endianness() != Endianness::native();
        if foreign
            && (libbpf_bugs::short_header(h)
                || libbpf_bugs::sections_with_gaps(h)
                || h.hdr_len != 24)
        {
            continue;
        }
        assert_eq!(&*o.raw_data(), &t.raw_data()[..], "split={split}: raw data");
        // Rebuilt output: libbpf misbehaves on short headers and gaps (LIBBPF-1, -2), and writes
        // a header longer than 24 bytes as read, where btf-core rewrites its kind layout fields
        // (intended: the 2026 header; see the README).
        if libbpf_bugs::short_header(h) || libbpf_bugs::sections_with_gaps(h) || h.hdr_len != 24 {
            continue;
        }
        // The other byte order (a modification for libbpf: it rebuilds the data).
        let other = match o.endianness() {
            Endianness::Little => Endianness::Big,
            Endianness::Big => Endianness::Little,
        };
        let lm = if split {
            LibbpfBtfMut::from_bytes_split(data, &lib_base_mut())
        } else {
            LibbpfBtfMut::from_bytes(data)
        }
        .expect("libbpf parses the same bytes again");
        let mut lm = lm;
        let big = u32::from(other == Endianness::Big);
        assert_eq!(lm.set_endianness(big), 0);
        assert_eq!(
            &*o.raw_data_in(other),
            &lm.raw_data()[..],
            "split={split}: raw data in the other byte order"
        );
    }
}

/// `btf__dedup` (parsed, with and without forced collisions) of raw BTF and of split BTF over
/// `small.btf`: same return value, same bytes and type count.
pub fn diff_dedup(data: &[u8]) {
    let data = &data[..data.len().min(1 << 12)];
    for split in [false, true] {
        let Ok(parsed) = ours(data, split) else {
            continue;
        };
        let h = parsed.header();
        // Dedup output is rebuilt: a header longer than 24 bytes has its kind layout fields
        // rewritten by btf-core and copied by libbpf (intended, see diff_parse).
        if libbpf_bugs::short_header(h)
            || libbpf_bugs::sections_with_gaps(h)
            || h.hdr_len != 24
            || libbpf_bugs::dangling_ids(&parsed)
            || libbpf_bugs::intended_divergence(data, Some(&parsed))
        {
            continue;
        }
        for force in [false, true] {
            let mut o = parsed.clone();
            let ret = match o.dedup(&DedupOptions::new().force_collisions(force)) {
                Ok(()) => 0,
                Err(e) if libbpf_bugs::dedup_would_misbehave(e.errno()) => continue,
                Err(e) => -e.errno(),
            };
            libbpf::quiet();
            let base = split.then_some(SMALL_BTF);
            let t = libbpf::dedup(base, data, DedupSource::Parsed, force)
                .expect("libbpf parses what btf-core parsed");
            assert_eq!(
                ret, t.ret,
                "split={split} force={force}: dedup return value"
            );
            if ret == 0 {
                assert_eq!(
                    o.type_cnt(),
                    t.type_cnt,
                    "split={split} force={force}: type count"
                );
                assert_eq!(
                    &*o.raw_data(),
                    &t.raw[..],
                    "split={split} force={force}: bytes"
                );
            }
        }
    }
}

/// `btf__distill_base` of split BTF over `small.btf`, then `btf__relocate` of the distilled split
/// back onto `small.btf`: same errno, same bytes of the distilled base, the distilled split and the
/// relocated split.
pub fn diff_distill(data: &[u8]) {
    let data = cap(data);
    let (Ok(o), Ok(t)) = (ours(data, true), theirs(data, true)) else {
        return;
    };
    if libbpf_bugs::intended_divergence(data, Some(&o)) || libbpf_bugs::dangling_ids(&o) {
        return;
    }
    let (od, td) = (o.distill_base(), t.distill_base());
    let ((ob, mut os), (tb, ts)) = match (od, td) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(a), Err(b)) => {
            assert_eq!(a.errno(), b, "distill: errno btf-core {a} vs libbpf {b}");
            return;
        }
        (a, b) => panic!(
            "distill: btf-core {:?} vs libbpf {:?}",
            a.map(|_| ()).map_err(|e| e.errno()),
            b.map(|_| ())
        ),
    };
    assert_eq!(&*ob.raw_data(), &tb.raw_data()[..], "distilled base bytes");
    if libbpf_bugs::distill_drops_moved_types(&ob, os.nr_types() > o.nr_types()) {
        // LIBBPF-8: libbpf's split is missing the moved types; ours must relocate back and parse.
        os.relocate(Arc::clone(small_base()))
            .expect("distilled split over an empty base relocates back onto its base");
        Btf::from_bytes_split(&os.raw_data(), Arc::clone(small_base()))
            .expect("relocated split parses again");
        return;
    }
    assert_eq!(os.type_cnt(), ts.type_cnt(), "distilled split type count");
    for id in os.start_id()..os.type_cnt() {
        let rec: Vec<u8> = os
            .type_by_id(id)
            .unwrap()
            .words()
            .iter()
            .flat_map(|w| w.to_ne_bytes())
            .collect();
        assert_eq!(
            ts.type_record(id),
            Some(&rec[..]),
            "distilled split record [{id}]"
        );
    }
    let split_raw = os.raw_data().into_owned();
    if libbpf_bugs::reference_cycle(&os) {
        return;
    }
    let (or, tr) = (
        os.relocate(Arc::clone(small_base())),
        ts.relocate(lib_base()),
    );
    match (or, tr) {
        (Ok(()), Ok(t)) => {
            assert_eq!(os.type_cnt(), t.type_cnt(), "relocated type count");
            assert_eq!(&*os.raw_data(), &t.raw_data()[..], "relocated bytes");
        }
        (Err(a), Err(b)) => assert_eq!(a.errno(), b, "relocate: errno btf-core {a} vs libbpf {b}"),
        (a, b) => panic!(
            "relocate: btf-core {:?} vs libbpf {:?} (distilled split {} bytes)",
            a.map_err(|e| e.errno()),
            b.map(|_| ()),
            split_raw.len()
        ),
    }
}

/// A C header of every type (`btf_dump__dump_type` of 1.., one dumper), and typed data of every
/// type over the input bytes: same text and return values as libbpf's `btf_dump`.
pub fn diff_c_dump(data: &[u8]) {
    let data = &data[..data.len().min(1 << 13)];
    for split in [false, true] {
        let (Ok(o), Ok(t)) = (ours(data, split), theirs(data, split)) else {
            continue;
        };
        // LIBBPF-4 and -6, and findings F2/F3 (unbounded text, in both libraries).
        if libbpf_bugs::intended_divergence(data, Some(&o))
            || libbpf_bugs::align_of_unbounded(&o)
            || libbpf_bugs::align_unknown(&o)
            || libbpf_bugs::order_cycle(&o)
            || libbpf_bugs::dangling_ids(&o)
            || !btf_fuzz_targets::c_text_fits(&o, 4 << 20)
        {
            continue;
        }
        let ids: Vec<u32> = (1..o.type_cnt()).collect();
        let Ok(mut d) = CDump::new(&o) else {
            continue;
        };
        let mut ret = Ok(());
        for &id in &ids {
            if let Err(e) = d.dump_type(id) {
                ret = Err(e.errno());
                break;
            }
        }
        let text = d.take_output();
        match (ret, t.dump_c(&ids)) {
            (Ok(()), Ok(lt)) => assert_eq!(
                String::from_utf8_lossy(&text),
                String::from_utf8_lossy(&lt),
                "split={split}: C dump"
            ),
            (Err(a), Err((b, lt))) => {
                assert_eq!(a, -b, "split={split}: C dump errno");
                assert_eq!(
                    String::from_utf8_lossy(&text),
                    String::from_utf8_lossy(&lt),
                    "split={split}: C dump text before the error"
                );
            }
            (a, b) => panic!(
                "split={split}: C dump btf-core {a:?} vs libbpf {:?}",
                b.map(|_| ()).map_err(|e| e.0)
            ),
        }
        // Typed data: each type over the bytes from a varying offset. libbpf reads past the data
        // when checking members for zero (LIBBPF-7): each case's bytes are copied into a region
        // of their own, followed by zeros up to the type's size, as btf-core reads them; the copy
        // keeps the offset's alignment.
        let cases: Vec<(u32, std::ops::Range<usize>)> = (0..o.type_cnt().min(64))
            .filter(|&id| !libbpf_bugs::holds_enum(&o, id))
            .filter(|&id| !libbpf_bugs::holds_wide_bitfield(&o, id))
            .filter(|&id| !libbpf_bugs::holds_oversized_float(&o, id))
            .filter(|&id| libbpf_bugs::typed_data_in_bounds(&o, id, TYPED_DATA_READ_MAX))
            .map(|id| {
                let off = (id as usize * 7) % (data.len() + 1);
                (
                    id,
                    off..(off + btf_fuzz_targets::TYPED_DATA_MAX).min(data.len()),
                )
            })
            .collect();
        let mut blob = Vec::new();
        let padded_cases: Vec<(u32, std::ops::Range<usize>)> = cases
            .iter()
            .map(|(id, r)| {
                let start = blob.len().next_multiple_of(8) + r.start % 8;
                let size = o.resolve_size(*id).unwrap_or(0) as usize;
                blob.resize(start, 0);
                blob.extend_from_slice(&data[r.clone()]);
                blob.resize(start + r.len().max(size) + 8, 0);
                (*id, start..start + r.len())
            })
            .collect();
        for (compact, emit_zeroes) in [(false, false), (true, true)] {
            let opts = DataOptions {
                compact,
                emit_zeroes,
                ..DataOptions::default()
            };
            let mut d = CDump::new(&o).expect("made before");
            let mut text = Vec::new();
            let mut rcs = Vec::new();
            let mut stopped = false;
            for (id, r) in &cases {
                let rc = match d.dump_type_data(*id, &data[r.clone()], &opts) {
                    Ok(n) => n as i32,
                    Err(e) => {
                        stopped |= btf_fuzz_targets::past_bound(&e);
                        -e.errno()
                    }
                };
                rcs.push(rc);
                text.extend_from_slice(&d.take_output());
                text.push(b'\n');
            }
            // Past btf-core's bound (F5), libbpf has no bound and would walk on for hours.
            if stopped {
                continue;
            }
            let (lt, lrcs) = t.dump_type_data(
                &padded_cases,
                &blob,
                None,
                0,
                compact,
                false,
                emit_zeroes,
                false,
            );
            assert_eq!(rcs, lrcs, "split={split}: typed data return values");
            assert_eq!(
                String::from_utf8_lossy(&text),
                String::from_utf8_lossy(&lt),
                "split={split}: typed data text"
            );
        }
    }
}
