//! Unit tests of the `.BTF.ext` parser on hand-built bytes: both byte orders, long and short
//! records, short headers, every check, and no panic on any truncation or byte corruption.

use super::*;
use crate::model::error::{ErrorKind, LibbpfLog};

/// What to build: a header of `hdr_len` bytes and three sub-sections of (name offset, records)
/// blocks, each record written `rec_size` bytes long (a known prefix, then 0xaa padding).
#[derive(Clone)]
struct Spec {
    big: bool,
    hdr_len: u32,
    func_rec: u32,
    line_rec: u32,
    core_rec: u32,
    func: Vec<(u32, Vec<FuncInfo>)>,
    line: Vec<(u32, Vec<LineInfo>)>,
    core: Vec<(u32, Vec<CoreRelo>)>,
}

fn sample() -> Spec {
    Spec {
        big: false,
        hdr_len: 32,
        func_rec: 8,
        line_rec: 16,
        core_rec: 16,
        func: vec![
            (
                1,
                vec![
                    FuncInfo {
                        insn_off: 0,
                        type_id: 3,
                    },
                    FuncInfo {
                        insn_off: 64,
                        type_id: 5,
                    },
                ],
            ),
            (
                9,
                vec![FuncInfo {
                    insn_off: 0,
                    type_id: 7,
                }],
            ),
        ],
        line: vec![(
            1,
            vec![
                LineInfo {
                    insn_off: 0,
                    file_name_off: 20,
                    line_off: 30,
                    line_col: (12 << 10) | 5,
                },
                LineInfo {
                    insn_off: 8,
                    file_name_off: 20,
                    line_off: 40,
                    line_col: 13 << 10,
                },
            ],
        )],
        core: vec![(
            9,
            vec![CoreRelo {
                insn_off: 16,
                type_id: 4,
                access_str_off: 50,
                kind: 0,
            }],
        )],
    }
}

fn put(out: &mut Vec<u8>, big: bool, v: u32) {
    out.extend(if big {
        v.to_be_bytes()
    } else {
        v.to_le_bytes()
    });
}

fn sub<R>(
    big: bool,
    rec_size: u32,
    blocks: &[(u32, Vec<R>)],
    words: impl Fn(&R) -> Vec<u32>,
) -> Vec<u8> {
    if blocks.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    put(&mut out, big, rec_size);
    for (name, recs) in blocks {
        put(&mut out, big, *name);
        put(&mut out, big, recs.len() as u32);
        for r in recs {
            let start = out.len();
            for w in words(r) {
                put(&mut out, big, w);
            }
            out.resize(start + rec_size as usize, 0xaa);
        }
    }
    out
}

fn build(spec: &Spec) -> Vec<u8> {
    let big = spec.big;
    let func = sub(big, spec.func_rec, &spec.func, |f| {
        vec![f.insn_off, f.type_id]
    });
    let line = sub(big, spec.line_rec, &spec.line, |l| {
        vec![l.insn_off, l.file_name_off, l.line_off, l.line_col]
    });
    let core = sub(big, spec.core_rec, &spec.core, |c| {
        vec![c.insn_off, c.type_id, c.access_str_off, c.kind]
    });
    let mut out = Vec::new();
    out.extend(if big { [0xeb, 0x9f] } else { [0x9f, 0xeb] });
    out.extend([1, 0]);
    put(&mut out, big, spec.hdr_len);
    let fl = func.len() as u32;
    let ll = line.len() as u32;
    let cl = core.len() as u32;
    for w in [0, fl, fl, ll, fl + ll, cl] {
        put(&mut out, big, w);
    }
    out.resize(spec.hdr_len as usize, 0);
    out.extend(func);
    out.extend(line);
    if spec.hdr_len >= CORE_RELO_HEADER_LEN {
        out.extend(core);
    }
    out
}

fn collect<R: ExtRecord>(secs: InfoSections<'_, R>) -> Vec<(u32, Vec<R>)> {
    secs.map(|s| (s.sec_name_off(), s.records().collect()))
        .collect()
}

fn foreign() -> bool {
    Endianness::native() == Endianness::Little
}

#[test]
fn record_sizes_agree_with_the_sub_sections() {
    assert!(iter::min_sizes_agree());
}

#[test]
fn native_order_decodes_and_round_trips() {
    let spec = Spec {
        big: !foreign(),
        ..sample()
    };
    let bytes = build(&spec);
    let ext = BtfExt::parse(&bytes).unwrap();
    assert_eq!(ext.endianness(), Endianness::native());
    assert_eq!(collect(ext.func_info()), spec.func);
    assert_eq!(collect(ext.line_info()), spec.line);
    assert_eq!(collect(ext.core_relo()), spec.core);
    assert_eq!(ext.raw_data(), &bytes[..]);
    assert_eq!(ext.native_data(), &bytes[..]);
    let h = ext.header();
    assert_eq!((h.magic, h.version, h.flags, h.hdr_len), (0xeb9f, 1, 0, 32));
    assert_eq!((h.func_info_off, h.func_info_len), (0, 44));
    assert_eq!((h.line_info_off, h.line_info_len), (44, 44));
    assert_eq!((h.core_relo_off, h.core_relo_len), (88, 28));
    assert_eq!(
        (
            ext.func_info_rec_size(),
            ext.line_info_rec_size(),
            ext.core_relo_rec_size()
        ),
        (8, 16, 16)
    );
    assert_eq!(ext.func_info().section_count(), 2);
    let line = ext.line_info().next().unwrap().records().next().unwrap();
    assert_eq!((line.line(), line.column()), (12, 5));
}

#[test]
fn both_byte_orders_convert_into_each_other() {
    for big in [false, true] {
        let spec = Spec { big, ..sample() };
        let bytes = build(&spec);
        let other = build(&Spec {
            big: !big,
            ..sample()
        });
        let mut ext = BtfExt::parse(&bytes).unwrap();
        let order = if big {
            Endianness::Big
        } else {
            Endianness::Little
        };
        let other_order = if big {
            Endianness::Little
        } else {
            Endianness::Big
        };
        assert_eq!(ext.endianness(), order);
        assert_eq!(collect(ext.func_info()), spec.func);
        assert_eq!(collect(ext.line_info()), spec.line);
        assert_eq!(collect(ext.core_relo()), spec.core);
        assert_eq!(ext.raw_data(), &bytes[..]);
        ext.set_endianness(other_order);
        assert_eq!(ext.endianness(), other_order);
        assert_eq!(ext.raw_data(), &other[..]);
        // A second request gives the same, kept copy.
        assert_eq!(ext.raw_data().as_ptr(), ext.raw_data().as_ptr());
        ext.set_endianness(order);
        assert_eq!(ext.raw_data(), &bytes[..]);
        let clone = ext.clone();
        assert_eq!(clone.raw_data(), &bytes[..]);
    }
}

#[test]
fn longer_records_native_only_prefix_decoded() {
    let spec = Spec {
        big: !foreign(),
        func_rec: 12,
        line_rec: 24,
        core_rec: 20,
        ..sample()
    };
    let bytes = build(&spec);
    let mut ext = BtfExt::parse(&bytes).unwrap();
    assert_eq!(collect(ext.func_info()), spec.func);
    assert_eq!(collect(ext.line_info()), spec.line);
    assert_eq!(collect(ext.core_relo()), spec.core);
    assert_eq!(
        (
            ext.func_info_rec_size(),
            ext.line_info_rec_size(),
            ext.core_relo_rec_size()
        ),
        (12, 24, 20)
    );
    // The other byte order swaps only the known prefix; the padding stays as it was.
    let other = if foreign() {
        Endianness::Big
    } else {
        Endianness::Little
    };
    ext.set_endianness(other);
    let swapped = ext.raw_data().to_vec();
    assert_eq!(swapped.len(), bytes.len());
    assert_eq!(
        swapped.iter().filter(|&&b| b == 0xaa).count(),
        bytes.iter().filter(|&&b| b == 0xaa).count()
    );
    // Foreign longer records are refused, as libbpf refuses them.
    let err = BtfExt::parse(&build(&Spec {
        big: foreign(),
        ..spec
    }))
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    assert!(err.message().contains("record size 12"), "{err}");
}

#[test]
fn short_or_unaligned_records_are_refused() {
    for big in [false, true] {
        for (func_rec, line_rec, core_rec) in [
            (4, 16, 16),
            (8, 12, 16),
            (8, 16, 8),
            (10, 16, 16),
            (8, 16, 18),
        ] {
            let spec = Spec {
                big,
                func_rec,
                line_rec,
                core_rec,
                ..sample()
            };
            let err = BtfExt::parse(&build(&spec)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Invalid, "{err}");
            assert_eq!(err.libbpf_log(), LibbpfLog::Debug);
        }
    }
}

#[test]
fn short_header_has_no_core_relo() {
    for big in [false, true] {
        let bytes = build(&Spec {
            big,
            hdr_len: 24,
            ..sample()
        });
        let ext = BtfExt::parse(&bytes).unwrap();
        assert!(!ext.header().has_core_relo_fields());
        assert_eq!(ext.core_relo().count(), 0);
        assert_eq!(ext.core_relo_rec_size(), 0);
        assert_eq!(collect(ext.func_info()), sample().func);
        assert_eq!(ext.raw_data(), &bytes[..]);
    }
}

#[test]
fn header_checks_match_libbpf() {
    let good = build(&sample());
    let with = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut b = good.clone();
        f(&mut b);
        BtfExt::parse(&b).unwrap_err()
    };
    let e = BtfExt::parse(&good[..7]).unwrap_err();
    assert_eq!(
        (e.kind(), e.libbpf_log()),
        (ErrorKind::Invalid, LibbpfLog::Debug)
    );
    let e = with(&|b| b[0] = 0);
    assert!(e.message().contains("magic"), "{e}");
    let e = with(&|b| b[2] = 2);
    assert_eq!(
        (e.kind(), e.libbpf_log()),
        (ErrorKind::NotSupported, LibbpfLog::Debug)
    );
    let e = with(&|b| b[3] = 1);
    assert_eq!(e.kind(), ErrorKind::NotSupported);
    let len = good.len() as u32;
    for hdr_len in [len, len + 1, u32::MAX] {
        let e = with(&|b| b[4..8].copy_from_slice(&hdr_len.to_le_bytes()));
        assert_eq!(
            (e.kind(), e.libbpf_log()),
            (ErrorKind::Invalid, LibbpfLog::Debug),
            "{e}"
        );
    }
    let e = with(&|b| b[4..8].copy_from_slice(&20u32.to_le_bytes()));
    assert_eq!(
        (e.kind(), e.libbpf_log()),
        (ErrorKind::Invalid, LibbpfLog::Warn)
    );
    // func_info offset not aligned; beyond the end; num_info 0.
    let e = with(&|b| b[8..12].copy_from_slice(&2u32.to_le_bytes()));
    assert!(e.message().contains("aligned"), "{e}");
    let e = with(&|b| b[12..16].copy_from_slice(&u32::MAX.to_le_bytes()));
    assert!(e.message().contains("past the end"), "{e}");
    let e = with(&|b| b[32 + 8..32 + 12].copy_from_slice(&0u32.to_le_bytes()));
    assert!(e.message().contains("num_info 0"), "{e}");
    let e = with(&|b| b[12..16].copy_from_slice(&4u32.to_le_bytes()));
    assert!(e.message().contains("no records"), "{e}");
    let e = with(&|b| b[12..16].copy_from_slice(&8u32.to_le_bytes()));
    assert!(e.message().contains("too short"), "{e}");
    let e = with(&|b| b[12..16].copy_from_slice(&2u32.to_le_bytes()));
    assert!(e.message().contains("no record size"), "{e}");
    // A zero-length sub-section is skipped whatever its offset.
    let mut b = good.clone();
    b[24..28].copy_from_slice(&3u32.to_le_bytes());
    b[28..32].copy_from_slice(&0u32.to_le_bytes());
    assert_eq!(BtfExt::parse(&b).unwrap().core_relo().count(), 0);
}

#[test]
fn no_panic_on_any_truncation_or_corruption() {
    for big in [false, true] {
        for hdr_len in [24, 32, 36] {
            let bytes = build(&Spec {
                big,
                hdr_len,
                ..sample()
            });
            for n in 0..bytes.len() {
                // Every sub-section reaches the end, so every truncation is refused.
                assert!(BtfExt::parse(&bytes[..n]).is_err(), "truncated to {n}");
            }
            for i in 0..bytes.len() {
                for v in [0u8, 1, 3, 0x7f, 0x80, 0xff] {
                    let mut b = bytes.clone();
                    b[i] = v;
                    exercise(&b);
                }
            }
            for i in (0..bytes.len() - 3).step_by(4) {
                for v in [0u32, 4, 8, 16, 24, 28, 32, 36, 0xffff_fffc, u32::MAX] {
                    for w in [v.to_le_bytes(), v.to_be_bytes()] {
                        let mut b = bytes.clone();
                        b[i..i + 4].copy_from_slice(&w);
                        exercise(&b);
                    }
                }
            }
        }
    }
}

/// Parses and, when accepted, reads everything in both byte orders.
fn exercise(bytes: &[u8]) {
    let Ok(mut ext) = BtfExt::parse(bytes) else {
        return;
    };
    for order in [Endianness::Little, Endianness::Big] {
        ext.set_endianness(order);
        assert_eq!(ext.raw_data().len(), bytes.len());
        let _ = collect(ext.func_info());
        let _ = collect(ext.line_info());
        let _ = collect(ext.core_relo());
    }
}

#[test]
fn overlapping_sub_sections_do_not_panic() {
    // line_info and core_relo both 16-byte records: point core_relo at line_info's bytes.
    for big in [false, true] {
        let mut b = build(&Spec { big, ..sample() });
        let get = |b: &[u8], off: usize| {
            let w = [b[off], b[off + 1], b[off + 2], b[off + 3]];
            if big {
                u32::from_be_bytes(w)
            } else {
                u32::from_le_bytes(w)
            }
        };
        let (off, len) = (get(&b, 16), get(&b, 20));
        let enc = |v: u32| {
            if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        b[24..28].copy_from_slice(&enc(off));
        b[28..32].copy_from_slice(&enc(len));
        exercise(&b);
    }
}

/// `spec` with every type id and string offset passed through `ty` and `st`.
fn mapped(spec: &Spec, ty: impl Fn(u32) -> u32, st: impl Fn(u32) -> u32) -> Spec {
    let mut s = spec.clone();
    for (name, recs) in &mut s.func {
        *name = st(*name);
        for r in recs {
            r.type_id = ty(r.type_id);
        }
    }
    for (name, recs) in &mut s.line {
        *name = st(*name);
        for r in recs {
            r.file_name_off = st(r.file_name_off);
            r.line_off = st(r.line_off);
        }
    }
    for (name, recs) in &mut s.core {
        *name = st(*name);
        for r in recs {
            r.type_id = ty(r.type_id);
            r.access_str_off = st(r.access_str_off);
        }
    }
    s
}

#[test]
fn remap_rewrites_ids_and_offsets_in_both_byte_orders() {
    for big in [false, true] {
        // Longer records only in this machine's order (the other order needs exact sizes); their
        // padding must survive.
        let long = big != foreign();
        let spec = Spec {
            big,
            func_rec: if long { 12 } else { 8 },
            core_rec: if long { 20 } else { 16 },
            ..sample()
        };
        let mut ext = BtfExt::parse(&build(&spec)).unwrap();
        // Ask for the other order first, so a kept other-order copy exists and must follow.
        let other = if big {
            Endianness::Little
        } else {
            Endianness::Big
        };
        ext.set_endianness(other);
        let before_other = ext.raw_data().as_ptr();
        ext.remap_type_ids(|id| Ok::<_, ()>(id + 100)).unwrap();
        ext.remap_str_offs(|off| Ok::<_, ()>(off * 2 + 1)).unwrap();
        let want = mapped(&spec, |id| id + 100, |off| off * 2 + 1);
        assert_eq!(collect(ext.func_info()), want.func);
        assert_eq!(collect(ext.line_info()), want.line);
        assert_eq!(collect(ext.core_relo()), want.core);
        if !long {
            assert_eq!(
                ext.raw_data(),
                &build(&Spec {
                    big: !big,
                    ..want.clone()
                })[..]
            );
        }
        // The kept copy was rewritten where it is: a pointer a C caller holds stays valid.
        assert_eq!(ext.raw_data().as_ptr(), before_other);
        ext.set_endianness(if big {
            Endianness::Big
        } else {
            Endianness::Little
        });
        assert_eq!(ext.raw_data(), &build(&want)[..]);
    }
}

#[test]
fn remap_visits_in_libbpf_order() {
    let mut ext = BtfExt::parse(&build(&sample())).unwrap();
    let mut seen = Vec::new();
    ext.remap_type_ids(|id| {
        seen.push(id);
        Ok::<_, ()>(id)
    })
    .unwrap();
    // func_info type ids, then core_relo's.
    assert_eq!(seen, [3, 5, 7, 4]);
    seen.clear();
    ext.remap_str_offs(|off| {
        seen.push(off);
        Ok::<_, ()>(off)
    })
    .unwrap();
    // func_info section names; line_info name, then file and line of each record; core_relo
    // name, then each access string.
    assert_eq!(seen, [1, 9, 1, 20, 30, 20, 40, 9, 50]);
    assert_eq!(ext.raw_data(), &build(&sample())[..]);
}

#[test]
fn failed_remap_changes_nothing() {
    for big in [false, true] {
        let bytes = build(&Spec { big, ..sample() });
        let mut ext = BtfExt::parse(&bytes).unwrap();
        // Fails on the last id, after three were mapped.
        let r = ext.remap_type_ids(|id| if id == 4 { Err("no") } else { Ok(id + 1) });
        assert_eq!(r, Err("no"));
        let r = ext.remap_str_offs(|off| if off == 40 { Err("no") } else { Ok(0) });
        assert_eq!(r, Err("no"));
        assert_eq!(ext.raw_data(), &bytes[..]);
        assert_eq!(collect(ext.func_info()), sample().func);
    }
}

#[test]
fn remap_of_overlapping_sub_sections_stays_in_bounds() {
    for big in [false, true] {
        let mut b = build(&Spec { big, ..sample() });
        // core_relo pointed at line_info's bytes (both have 16-byte records).
        let (off, len) = (b[16..20].to_vec(), b[20..24].to_vec());
        b[24..28].copy_from_slice(&off);
        b[28..32].copy_from_slice(&len);
        let Ok(mut ext) = BtfExt::parse(&b) else {
            continue;
        };
        for f in [|v: u32| v.wrapping_mul(977), |v: u32| v ^ 0xffff_ffff] {
            ext.remap_type_ids(|v| Ok::<_, ()>(f(v))).unwrap();
            ext.remap_str_offs(|v| Ok::<_, ()>(f(v))).unwrap();
            exercise(ext.raw_data());
        }
    }
}
