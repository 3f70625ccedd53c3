//! `.BTF.ext` against real libbpf 1.7.0 (`btf_ext__new`, `btf_ext__raw_data`,
//! `btf_ext__set_endianness`, `btf_ext__endianness`): the `.BTF.ext` sections of the test BPF
//! objects (clang, `-target bpf` and `bpfeb`) and hand-built ones (long records, short header)
//! are accepted alike and give identical raw data in both byte orders; every truncation and a
//! deterministic set of corruptions (each header byte, each 32-bit word of the whole section set
//! to interesting values in both byte orders) get the same accept/reject decision and errno.

use btf_core::{BtfExt, Endianness};
use btf_difftest::bpfobj;
use btf_difftest::libbpf::{LibbpfBtfExt, quiet};

/// Our verdict next to libbpf's on `bytes`; on acceptance, also raw data in both byte orders and
/// the reported byte order. Returns whether libbpf accepted.
fn compare(bytes: &[u8], what: &dyn Fn() -> String) -> bool {
    let ours = BtfExt::parse(bytes);
    let theirs = LibbpfBtfExt::new(bytes);
    match (ours, theirs) {
        (Err(e), Err(errno)) => {
            assert_eq!(e.errno(), errno, "{}: errno ({e})", what());
            false
        }
        (Ok(_), Err(errno)) => panic!("{}: libbpf refuses (errno {errno}), we accept", what()),
        (Err(e), Ok(_)) => panic!("{}: libbpf accepts, we refuse: {e}", what()),
        (Ok(mut ours), Ok(mut theirs)) => {
            assert_eq!(
                ours.endianness() == Endianness::Big,
                theirs.is_big_endian(),
                "{}: endianness",
                what()
            );
            assert_eq!(
                ours.raw_data(),
                &theirs.raw_data()[..],
                "{}: raw data",
                what()
            );
            for big in [true, false, true] {
                let order = if big {
                    Endianness::Big
                } else {
                    Endianness::Little
                };
                ours.set_endianness(order);
                assert_eq!(theirs.set_endianness(big), 0);
                assert_eq!(theirs.is_big_endian(), big);
                assert_eq!(
                    ours.raw_data(),
                    &theirs.raw_data()[..],
                    "{}: raw data after set_endianness({order:?})",
                    what()
                );
            }
            true
        }
    }
}

/// The `.BTF.ext` of every test object, named; `None` (after a SKIP line) without objects.
fn object_exts(test: &str) -> Option<Vec<(String, bool, Vec<u8>)>> {
    let objects = bpfobj::objects_or_skip(test)?;
    let mut out = Vec::new();
    for object in objects {
        let bytes = object.bytes();
        let secs =
            btf_core::elf::elf_sections(&bytes).unwrap_or_else(|e| panic!("{}: {e}", object.name));
        let ext = secs
            .ext
            .unwrap_or_else(|| panic!("{} has no .BTF.ext", object.name));
        out.push((object.name.clone(), object.big_endian, ext.to_vec()));
    }
    Some(out)
}

fn word(data: &[u8], off: usize, big: bool) -> u32 {
    let w = [data[off], data[off + 1], data[off + 2], data[off + 3]];
    if big {
        u32::from_be_bytes(w)
    } else {
        u32::from_le_bytes(w)
    }
}

fn put(data: &mut [u8], off: usize, big: bool, v: u32) {
    data[off..off + 4].copy_from_slice(&if big {
        v.to_be_bytes()
    } else {
        v.to_le_bytes()
    });
}

/// A `.BTF.ext` rebuilt from a real one with every record `extra` bytes longer (padding 0x5a)
/// and the header `hdr_len` bytes long (24: no core_relo fields, 32, or longer).
fn reshape(ext: &BtfExt, big: bool, hdr_len: u32, extra: u32) -> Vec<u8> {
    let mut subs: Vec<Vec<u8>> = Vec::new();
    let mut block = |rec_size: u32, blocks: Vec<(u32, Vec<Vec<u32>>)>| {
        let mut out = Vec::new();
        if blocks.is_empty() {
            subs.push(out);
            return;
        }
        let mut w = |v: u32| {
            out.extend(if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            })
        };
        w(rec_size + extra);
        for (name, recs) in blocks {
            w(name);
            w(recs.len() as u32);
            for r in recs {
                for v in r {
                    w(v);
                }
                for _ in 0..extra / 4 {
                    w(0x5a5a_5a5a);
                }
            }
        }
        subs.push(out);
    };
    block(
        8,
        ext.func_info()
            .map(|s| {
                let r = s.records().map(|f| vec![f.insn_off, f.type_id]).collect();
                (s.sec_name_off(), r)
            })
            .collect(),
    );
    block(
        16,
        ext.line_info()
            .map(|s| {
                let r = s
                    .records()
                    .map(|l| vec![l.insn_off, l.file_name_off, l.line_off, l.line_col])
                    .collect();
                (s.sec_name_off(), r)
            })
            .collect(),
    );
    block(
        16,
        ext.core_relo()
            .map(|s| {
                let r = s
                    .records()
                    .map(|c| vec![c.insn_off, c.type_id, c.access_str_off, c.kind])
                    .collect();
                (s.sec_name_off(), r)
            })
            .collect(),
    );
    if hdr_len < 32 {
        subs[2].clear();
    }
    let mut out = vec![0u8; hdr_len as usize];
    out[..4].copy_from_slice(&if big {
        [0xeb, 0x9f, 1, 0]
    } else {
        [0x9f, 0xeb, 1, 0]
    });
    put(&mut out, 4, big, hdr_len);
    let mut off = 0u32;
    for (i, s) in subs.iter().enumerate() {
        if 8 + 8 * i + 8 > hdr_len as usize {
            break;
        }
        put(&mut out, 8 + 8 * i, big, off);
        put(&mut out, 12 + 8 * i, big, s.len() as u32);
        off += s.len() as u32;
    }
    for s in subs {
        out.extend(s);
    }
    out
}

/// Interesting values for a 32-bit word of a `len`-byte section whose word was `old`.
fn values(len: u32, old: u32) -> Vec<u32> {
    let mut v = vec![
        0,
        1,
        3,
        4,
        7,
        8,
        12,
        16,
        20,
        24,
        32,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_fff8,
        0xffff_fffc,
        u32::MAX,
        len.wrapping_sub(1),
        len,
        len + 1,
        old.wrapping_add(1),
        old.wrapping_sub(1),
        old.wrapping_add(4),
        old.wrapping_sub(4),
        old.swap_bytes(),
    ];
    v.sort_unstable();
    v.dedup();
    v.retain(|&x| x != old);
    v
}

#[test]
fn objects_parse_and_round_trip_as_libbpf() {
    quiet();
    let Some(exts) = object_exts("objects_parse_and_round_trip_as_libbpf") else {
        return;
    };
    for (name, big, bytes) in &exts {
        assert!(compare(bytes, &|| name.clone()), "{name}: refused");
        let ext = BtfExt::parse(bytes).unwrap();
        let order = if *big {
            Endianness::Big
        } else {
            Endianness::Little
        };
        assert_eq!(ext.endianness(), order, "{name}");
        assert!(ext.func_info().count() > 0, "{name}: no func_info");
        assert!(ext.line_info().count() > 0, "{name}: no line_info");
        assert!(ext.core_relo().count() > 0, "{name}: no core_relo");
    }
    // Both byte orders of one source describe the same functions and lines (clang may emit a
    // different number of CO-RE relocations for bpfeb, e.g. for bitfields).
    for pair in exts.chunks(2) {
        if let [(_, false, le), (name, true, be)] = pair {
            let le = BtfExt::parse(le).unwrap();
            let be = BtfExt::parse(be).unwrap();
            let funcs = |e: &BtfExt| {
                e.func_info()
                    .map(|s| s.records().map(|f| f.insn_off).collect::<Vec<_>>())
                    .collect::<Vec<_>>()
            };
            let lines = |e: &BtfExt| {
                e.line_info()
                    .map(|s| s.records().map(|l| l.line_col).collect::<Vec<_>>())
                    .collect::<Vec<_>>()
            };
            assert_eq!(funcs(&le), funcs(&be), "{name}");
            assert_eq!(lines(&le), lines(&be), "{name}");
        }
    }
}

#[test]
fn reshaped_exts_long_records_short_headers_as_libbpf() {
    quiet();
    let Some(exts) = object_exts("reshaped_exts_long_records_short_headers_as_libbpf") else {
        return;
    };
    let mut accepted = 0;
    let mut refused = 0;
    for (name, _, bytes) in &exts {
        let ext = BtfExt::parse(bytes).unwrap();
        for big in [false, true] {
            for hdr_len in [24, 28, 32, 36, 40] {
                for extra in [0, 4, 8, 12] {
                    let shaped = reshape(&ext, big, hdr_len, extra);
                    let what = || format!("{name} as big={big} hdr_len={hdr_len} extra={extra}");
                    if compare(&shaped, &what) {
                        accepted += 1;
                        let again = BtfExt::parse(&shaped).unwrap();
                        let strip = |e: &BtfExt| {
                            e.func_info()
                                .map(|s| (s.sec_name_off(), s.records().collect::<Vec<_>>()))
                                .collect::<Vec<_>>()
                        };
                        assert_eq!(strip(&again), strip(&ext), "{}", what());
                    } else {
                        refused += 1;
                    }
                }
            }
        }
    }
    // Foreign-order long records are refused, native ones accepted: both outcomes happen.
    assert!(
        accepted > 0 && refused > 0,
        "{accepted} accepted, {refused} refused"
    );
}

#[test]
fn every_truncation_as_libbpf() {
    quiet();
    let Some(exts) = object_exts("every_truncation_as_libbpf") else {
        return;
    };
    let mut cases = 0;
    for (name, _, bytes) in &exts {
        for n in 0..=bytes.len() {
            compare(&bytes[..n], &|| format!("{name} truncated to {n} bytes"));
            cases += 1;
        }
        // Longer than the sub-sections say: trailing bytes are accepted as libbpf accepts them.
        let mut longer = bytes.clone();
        longer.extend([0u8; 7]);
        assert!(compare(&longer, &|| format!("{name} + 7 bytes")));
    }
    eprintln!("{cases} truncations");
}

#[test]
fn corruptions_as_libbpf() {
    quiet();
    let Some(exts) = object_exts("corruptions_as_libbpf") else {
        return;
    };
    let (mut cases, mut accepted) = (0usize, 0usize);
    for (name, big, bytes) in &exts {
        let len = bytes.len() as u32;
        // Each of the first four bytes (magic, version, flags).
        for i in 0..4 {
            for v in [0u8, 1, 2, 0x9f, 0xeb, 0xff] {
                let mut b = bytes.clone();
                b[i] = v;
                accepted += usize::from(compare(&b, &|| format!("{name}: byte {i} = {v:#x}")));
                cases += 1;
            }
        }
        // Every 32-bit word after the first, in the data's order and the other.
        for off in (4..bytes.len() - 3).step_by(4) {
            let old = word(bytes, off, *big);
            for v in values(len, old) {
                for order in [*big, !*big] {
                    let mut b = bytes.clone();
                    put(&mut b, off, order, v);
                    if b == *bytes {
                        continue;
                    }
                    let what = || format!("{name}: word at byte {off} = {v:#x} (big={order})");
                    accepted += usize::from(compare(&b, &what));
                    cases += 1;
                }
            }
        }
    }
    eprintln!("{cases} corruptions, {accepted} accepted by both");
    assert!(accepted > 0 && accepted < cases);
}

#[test]
fn parse_elf_fills_btf_ext_as_libbpf() {
    quiet();
    let Some(objects) = bpfobj::objects_or_skip("parse_elf_fills_btf_ext_as_libbpf") else {
        return;
    };
    for object in objects {
        let theirs = LibbpfBtfExt::parse_elf(&object.path)
            .unwrap_or_else(|e| panic!("{}: libbpf: errno {e}", object.name));
        let elf = btf_core::Btf::parse_elf_file(&object.path, None)
            .unwrap_or_else(|e| panic!("{}: {e}", object.name));
        let ours = elf
            .parse_ext()
            .unwrap_or_else(|e| panic!("{}: {e}", object.name));
        let (Some(mut theirs), Some(ours)) = (theirs, ours) else {
            panic!("{}: libbpf or btf-core found no .BTF.ext", object.name);
        };
        assert_eq!(ours.raw_data(), &theirs.raw_data()[..], "{}", object.name);
        let (_, with_ext) = btf_core::Btf::parse_file_with_ext(&object.path, None)
            .unwrap_or_else(|e| panic!("{}: {e}", object.name));
        let with_ext = with_ext
            .expect("an ELF file with .BTF.ext")
            .unwrap_or_else(|e| panic!("{}: {e}", object.name));
        assert_eq!(with_ext.raw_data(), ours.raw_data(), "{}", object.name);
    }
}
