//! Big-endian BTF: the corpus (little-endian) converted to big-endian by a byte-order converter
//! written here, independently of btf-core's parser, must parse with btf-core to the same types
//! as the original and report [`Endianness::Big`]; libbpf 1.7.0 must agree on the records and
//! give the big-endian bytes back from `btf__raw_data`. Also: libbpf's rule that foreign-endian
//! BTF needs the 24-byte header (`hdr_len` 28 → `ENOTSUP`).
//!
//! Tests that read the corpus skip (with a `SKIP` line) when it is absent.

use std::sync::Arc;
use std::time::Instant;

use btf_core::{Btf, Endianness};
use btf_difftest::corpus;
use btf_difftest::libbpf::{self, LibbpfBtf};
use btf_difftest::require_corpus;

/// Differences printed when a test fails.
const MAX_PRINTED: usize = 20;

// ---------------------------------------------------------------------------------------------
// The converter (UAPI `include/uapi/linux/btf.h` layouts; nothing taken from btf-core)
// ---------------------------------------------------------------------------------------------

const KIND_INT: u32 = 1;
const KIND_PTR: u32 = 2;
const KIND_ARRAY: u32 = 3;
const KIND_STRUCT: u32 = 4;
const KIND_UNION: u32 = 5;
const KIND_ENUM: u32 = 6;
const KIND_FWD: u32 = 7;
const KIND_TYPEDEF: u32 = 8;
const KIND_VOLATILE: u32 = 9;
const KIND_CONST: u32 = 10;
const KIND_RESTRICT: u32 = 11;
const KIND_FUNC: u32 = 12;
const KIND_FUNC_PROTO: u32 = 13;
const KIND_VAR: u32 = 14;
const KIND_DATASEC: u32 = 15;
const KIND_FLOAT: u32 = 16;
const KIND_DECL_TAG: u32 = 17;
const KIND_TYPE_TAG: u32 = 18;
const KIND_ENUM64: u32 = 19;

/// Byte order of a buffer of 32-bit words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Order {
    Little,
    Big,
}

impl Order {
    fn read(self, data: &[u8], at: usize) -> u32 {
        let b = [data[at], data[at + 1], data[at + 2], data[at + 3]];
        match self {
            Order::Little => u32::from_le_bytes(b),
            Order::Big => u32::from_be_bytes(b),
        }
    }

    fn bytes(self, w: u32) -> [u8; 4] {
        match self {
            Order::Little => w.to_le_bytes(),
            Order::Big => w.to_be_bytes(),
        }
    }
}

/// Bytes that follow the 12-byte `struct btf_type` of a record of `kind` with `vlen` elements.
fn tail_len(kind: u32, vlen: usize) -> Result<usize, String> {
    Ok(match kind {
        KIND_INT | KIND_VAR | KIND_DECL_TAG => 4,
        KIND_ARRAY => 12,
        KIND_STRUCT | KIND_UNION | KIND_DATASEC | KIND_ENUM64 => 12 * vlen,
        KIND_ENUM | KIND_FUNC_PROTO => 8 * vlen,
        KIND_PTR | KIND_FWD | KIND_TYPEDEF | KIND_VOLATILE | KIND_CONST | KIND_RESTRICT
        | KIND_FUNC | KIND_FLOAT | KIND_TYPE_TAG => 0,
        _ => return Err(format!("kind {kind} has no known record size")),
    })
}

fn swap_word(buf: &mut [u8], at: usize) {
    buf[at..at + 4].reverse();
}

/// Converts raw BTF to the other byte order: the magic, every 32-bit header field after it (all
/// of `hdr_len`), and every 32-bit word of every type record, walked by the UAPI record sizes.
/// The version and flags bytes, the string section and any bytes outside the two sections are
/// kept as they are. Refuses BTF with a kind layout section (its entries are not 32-bit words).
fn swap_btf(data: &[u8]) -> Result<Vec<u8>, String> {
    if data.len() < 24 {
        return Err(format!("{} bytes is shorter than a BTF header", data.len()));
    }
    let from = match [data[0], data[1]] {
        [0x9f, 0xeb] => Order::Little,
        [0xeb, 0x9f] => Order::Big,
        m => return Err(format!("bad magic {m:02x?}")),
    };
    let rd = |at: usize| from.read(data, at) as usize;
    let hdr_len = rd(4);
    if hdr_len < 24 || hdr_len % 4 != 0 || hdr_len > data.len() {
        return Err(format!("bad hdr_len {hdr_len}"));
    }
    if hdr_len >= 32 && rd(28) != 0 {
        return Err("kind layout section: not supported by this converter".into());
    }
    let (type_off, type_len, str_off, str_len) = (rd(8), rd(12), rd(16), rd(20));
    let types = hdr_len + type_off;
    let types_end = types + type_len;
    if types_end > hdr_len + str_off || hdr_len + str_off + str_len > data.len() {
        return Err("sections out of bounds".into());
    }

    let mut out = data.to_vec();
    out.swap(0, 1);
    for at in (4..hdr_len).step_by(4) {
        swap_word(&mut out, at);
    }
    let mut pos = types;
    while pos < types_end {
        if pos + 12 > types_end {
            return Err(format!("truncated type record at byte {pos}"));
        }
        let info = from.read(data, pos + 4);
        let (kind, vlen) = ((info >> 24) & 0x1f, (info & 0xffff) as usize);
        let end = pos + 12 + tail_len(kind, vlen).map_err(|e| format!("byte {pos}: {e}"))?;
        if end > types_end {
            return Err(format!("record at byte {pos} overruns the type section"));
        }
        for at in (pos..end).step_by(4) {
            swap_word(&mut out, at);
        }
        pos = end;
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// A hand-made BTF with one type of every kind, writable in either byte order
// ---------------------------------------------------------------------------------------------

/// One type of every kind (ids 1..=20) in byte order `order`, with a header of `hdr_len` bytes
/// (extra header bytes zero). With `split_base_types = Some((n, base_str_len))`: a split BTF over
/// that base instead, whose two types are `[n+1] PTR -> [4] struct s` and
/// `[n+2] STRUCT sp { [n+1] sp; }`, with strings following the base's.
fn hand_made(order: Order, hdr_len: u32, split_base_types: Option<(u32, u32)>) -> Vec<u8> {
    let info = |kind: u32, kflag: bool, vlen: u32| (u32::from(kflag) << 31) | (kind << 24) | vlen;
    let mut w: Vec<u32> = Vec::new();
    let strings: &[u8];
    match split_base_types {
        None => {
            strings = b"\0int\0s\0a\0b\0e\0E1\0f\0t\0fn\0v\0.data\0float\0tag\0e64\0V\0long\0";
            let s = |name: &str| -> u32 {
                let needle = [&b"\0"[..], name.as_bytes(), b"\0"].concat();
                (strings
                    .windows(needle.len())
                    .position(|x| x == needle)
                    .unwrap()
                    + 1) as u32
            };
            #[rustfmt::skip]
            w.extend([
                s("int"), info(KIND_INT, false, 0), 4, (1 << 24) | 32,     // [1] int
                0, info(KIND_PTR, false, 0), 1,                            // [2] int *
                0, info(KIND_ARRAY, false, 0), 0, 1, 1, 4,                 // [3] int[4]
                s("s"), info(KIND_STRUCT, false, 2), 16,                   // [4] struct s
                    s("a"), 1, 0, s("b"), 2, 64,
                0, info(KIND_UNION, true, 1), 4, 0, 1, 3 << 24,           // [5] union { int :3 }
                s("e"), info(KIND_ENUM, true, 1), 4, s("E1"), (-7i32) as u32, // [6] enum e
                s("f"), info(KIND_FWD, true, 0), 0,                        // [7] union f;
                s("t"), info(KIND_TYPEDEF, false, 0), 1,                   // [8] typedef int t
                0, info(KIND_VOLATILE, false, 0), 1,                       // [9]
                0, info(KIND_CONST, false, 0), 9,                          // [10]
                0, info(KIND_RESTRICT, false, 0), 2,                       // [11]
                0, info(KIND_FUNC_PROTO, false, 2), 1, s("a"), 1, 0, 0,    // [12] int (int a, ...)
                s("fn"), info(KIND_FUNC, false, 1), 12,                    // [13] global fn
                s("v"), info(KIND_VAR, false, 0), 1, 1,                    // [14] int v
                s(".data"), info(KIND_DATASEC, false, 1), 4, 14, 0, 4,     // [15]
                s("float"), info(KIND_FLOAT, false, 0), 4,                 // [16]
                s("tag"), info(KIND_DECL_TAG, false, 0), 4, u32::MAX,     // [17] on struct s
                s("tag"), info(KIND_TYPE_TAG, false, 0), 1,                // [18]
                s("e64"), info(KIND_ENUM64, false, 1), 8, s("V"), 1, 2,    // [19]
                s("long"), info(KIND_INT, false, 0), 8, (1 << 24) | 64,    // [20] long
            ]);
        }
        Some((base_types, base_str_len)) => {
            strings = b"\0sp\0";
            let (ptr, sp) = (base_types + 1, base_str_len + 1);
            #[rustfmt::skip]
            w.extend([
                0, info(KIND_PTR, false, 0), 4,                            // [n+1] struct s *
                sp, info(KIND_STRUCT, false, 1), 8, sp, ptr, 0,            // [n+2] struct sp
            ]);
        }
    }
    let type_len = 4 * w.len() as u32;
    let mut out = match order {
        Order::Little => vec![0x9f, 0xeb, 1, 0],
        Order::Big => vec![0xeb, 0x9f, 1, 0],
    };
    for field in [hdr_len, 0, type_len, type_len, strings.len() as u32] {
        out.extend(order.bytes(field));
    }
    out.resize(hdr_len as usize, 0);
    for word in w {
        out.extend(order.bytes(word));
    }
    out.extend_from_slice(strings);
    out
}

/// Types of [`hand_made`] (base) and the length of its string section.
fn hand_made_base_dims() -> (u32, u32) {
    let le = hand_made(Order::Little, 24, None);
    let str_len = u32::from_le_bytes(le[20..24].try_into().unwrap());
    (20, str_len)
}

// ---------------------------------------------------------------------------------------------
// Comparisons
// ---------------------------------------------------------------------------------------------

fn ne_bytes(words: &[u32]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_ne_bytes()).collect()
}

/// `swapped` (btf-core, from the converted bytes) has exactly the types of `reference` (btf-core,
/// from the original bytes): every record word and every type name of ids `from..type_cnt` and
/// of void, the header fields and the own string section; and reports `Big`.
fn compare_ours(label: &str, reference: &Btf, swapped: &Btf, from: u32, diffs: &mut Vec<String>) {
    if swapped.endianness() != Endianness::Big || reference.endianness() != Endianness::Little {
        diffs.push(format!(
            "{label}: endianness: original {:?}, swapped {:?}",
            reference.endianness(),
            swapped.endianness()
        ));
    }
    if reference.type_cnt() != swapped.type_cnt() || reference.start_id() != swapped.start_id() {
        diffs.push(format!(
            "{label}: type_cnt/start_id: original {}/{}, swapped {}/{}",
            reference.type_cnt(),
            reference.start_id(),
            swapped.type_cnt(),
            swapped.start_id()
        ));
        return;
    }
    if reference.header() != swapped.header() {
        diffs.push(format!(
            "{label}: header: original {:?}, swapped {:?}",
            reference.header(),
            swapped.header()
        ));
    }
    if reference.strings_section() != swapped.strings_section() {
        diffs.push(format!("{label}: string sections differ"));
    }
    for id in std::iter::once(0).chain(from..reference.type_cnt()) {
        let (a, b) = (reference.type_by_id(id), swapped.type_by_id(id));
        let (Some(a), Some(b)) = (a, b) else {
            diffs.push(format!(
                "{label}: type [{id}] missing: original {}, swapped {}",
                a.is_some(),
                b.is_some()
            ));
            continue;
        };
        if a.words() != b.words() {
            diffs.push(format!(
                "{label}: type [{id}] words: original {:08x?}, swapped {:08x?}",
                a.words(),
                b.words()
            ));
        }
        let (na, nb) = (
            reference.str_by_offset(a.name_off()),
            swapped.str_by_offset(b.name_off()),
        );
        if na != nb || na.is_none() {
            diffs.push(format!(
                "{label}: type [{id}] name: original {na:?}, swapped {nb:?}"
            ));
        }
    }
}

/// libbpf parsed the converted bytes `swapped_bytes` into `theirs`: big-endian, the same records
/// (native order) and names as btf-core's `reference` for ids `from..type_cnt`, and `raw_data`
/// gives the converted bytes back.
fn compare_libbpf(
    label: &str,
    reference: &Btf,
    theirs: &LibbpfBtf,
    swapped_bytes: &[u8],
    from: u32,
    diffs: &mut Vec<String>,
) {
    if theirs.endianness() != 1 {
        diffs.push(format!(
            "{label}: libbpf endianness {} (1 = big)",
            theirs.endianness()
        ));
    }
    if theirs.type_cnt() != reference.type_cnt() {
        diffs.push(format!(
            "{label}: libbpf type_cnt {} / ours {}",
            theirs.type_cnt(),
            reference.type_cnt()
        ));
        return;
    }
    for id in std::iter::once(0).chain(from..reference.type_cnt()) {
        let ours = reference.type_by_id(id).unwrap();
        let rec = theirs.type_record(id);
        if rec != Some(ne_bytes(ours.words()).as_slice()) {
            diffs.push(format!(
                "{label}: type [{id}] libbpf record {:02x?} / ours {:08x?}",
                rec,
                ours.words()
            ));
        }
        let (a, b) = (
            reference.str_by_offset(ours.name_off()),
            theirs.name_by_offset(ours.name_off()),
        );
        if a != b {
            diffs.push(format!(
                "{label}: type [{id}] name: ours {a:?} / libbpf {b:?}"
            ));
        }
    }
    if theirs.raw_data() != swapped_bytes {
        diffs.push(format!(
            "{label}: libbpf raw_data is not the big-endian input"
        ));
    }
}

fn finish(what: &str, diffs: &[String], summary: String, started: Instant) {
    eprintln!(
        "big_endian {what}: {summary}: {} differences in {:.1?}",
        diffs.len(),
        started.elapsed()
    );
    for d in diffs.iter().take(MAX_PRINTED) {
        eprintln!("  DIFF {d}");
    }
    assert!(
        diffs.is_empty(),
        "{what}: {} differences (first {} above)",
        diffs.len(),
        MAX_PRINTED.min(diffs.len())
    );
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

/// The converter itself, against big-endian BTF written directly: every kind, both header
/// lengths, base and split; converting twice gives the input back.
#[test]
fn converter_matches_hand_written_big_endian() {
    let (n, str_len) = hand_made_base_dims();
    for hdr_len in [24, 28] {
        for split in [None, Some((n, str_len))] {
            let le = hand_made(Order::Little, hdr_len, split);
            let be = hand_made(Order::Big, hdr_len, split);
            assert_ne!(le, be);
            assert_eq!(
                swap_btf(&le).unwrap(),
                be,
                "hdr_len {hdr_len}, split {split:?}"
            );
            assert_eq!(
                swap_btf(&be).unwrap(),
                le,
                "hdr_len {hdr_len}, split {split:?}"
            );
        }
    }
    assert!(swap_btf(&[0u8; 24]).is_err());
}

/// The hand-made BTF of every kind: big-endian with `hdr_len` 24 is accepted by both and equals
/// the little-endian original; `hdr_len` 28 is refused with `ENOTSUP` (95) by both, as base and
/// as split BTF (while little-endian with `hdr_len` 28 and zeroed extra bytes is accepted).
#[test]
fn hand_made_header_lengths() {
    libbpf::quiet();
    let started = Instant::now();
    let (n, str_len) = hand_made_base_dims();
    let mut diffs = Vec::new();

    let le = hand_made(Order::Little, 24, None);
    let be = hand_made(Order::Big, 24, None);
    let reference = Arc::new(Btf::from_bytes(&le).expect("little-endian hand-made BTF"));
    assert_eq!(reference.type_cnt(), n + 1);
    let ours_be = Arc::new(Btf::from_bytes(&be).expect("big-endian, hdr_len 24: accepted"));
    compare_ours("hand-made", &reference, &ours_be, 1, &mut diffs);
    let theirs_be = Arc::new(LibbpfBtf::from_bytes(&be).expect("libbpf: big-endian, hdr_len 24"));
    compare_libbpf("hand-made", &reference, &theirs_be, &be, 1, &mut diffs);
    let theirs_le = Arc::new(LibbpfBtf::from_bytes(&le).unwrap());

    // Split, big-endian over the big-endian base and over the little-endian one.
    let split_le = hand_made(Order::Little, 24, Some((n, str_len)));
    let split_be = hand_made(Order::Big, 24, Some((n, str_len)));
    let split_ref = Btf::from_bytes_split(&split_le, Arc::clone(&reference)).unwrap();
    assert_eq!(split_ref.type_cnt(), n + 3);
    for (label, ours_base, their_base) in [
        ("hand-made split BE/BE", &ours_be, &theirs_be),
        ("hand-made split BE/LE", &reference, &theirs_le),
    ] {
        match Btf::from_bytes_split(&split_be, Arc::clone(ours_base)) {
            Ok(s) => compare_ours(label, &split_ref, &s, n + 1, &mut diffs),
            Err(e) => diffs.push(format!("{label}: ours rejects: {e}")),
        }
        match LibbpfBtf::from_bytes_split(&split_be, their_base) {
            Ok(t) => compare_libbpf(label, &split_ref, &t, &split_be, n + 1, &mut diffs),
            Err(e) => diffs.push(format!("{label}: libbpf rejects: errno {e}")),
        }
    }

    // hdr_len 28: native order is fine (extra header bytes are zero), foreign order is not.
    let le28 = hand_made(Order::Little, 28, None);
    let be28 = hand_made(Order::Big, 28, None);
    let ours_le28 = Btf::from_bytes(&le28).expect("little-endian, hdr_len 28: accepted");
    assert_eq!(ours_le28.header().hdr_len, 28);
    assert!(LibbpfBtf::from_bytes(&le28).is_ok());
    assert_eq!(
        Btf::from_bytes(&be28).map(|_| ()).map_err(|e| e.errno()),
        Err(libc::ENOTSUP)
    );
    assert_eq!(LibbpfBtf::from_bytes(&be28).err(), Some(libc::ENOTSUP));
    assert_eq!(libc::ENOTSUP, 95);
    let split_be28 = hand_made(Order::Big, 28, Some((n, str_len)));
    assert_eq!(
        Btf::from_bytes_split(&split_be28, Arc::clone(&ours_be))
            .map(|_| ())
            .map_err(|e| e.errno()),
        Err(libc::ENOTSUP)
    );
    assert_eq!(
        LibbpfBtf::from_bytes_split(&split_be28, &theirs_be).err(),
        Some(libc::ENOTSUP)
    );
    finish(
        "hand-made",
        &diffs,
        format!("{n} + 2 types of every kind"),
        started,
    );
}

/// Every corpus vmlinux, converted to big-endian.
#[test]
fn vmlinux_big_endian() {
    let _dir = require_corpus!("big_endian::vmlinux_big_endian");
    libbpf::quiet();
    let started = Instant::now();
    let files = corpus::vmlinux_files();
    assert_eq!(files.len(), 4);
    let mut diffs = Vec::new();
    let mut types = 0u64;
    for path in &files {
        let label = corpus::version_of(path).unwrap();
        let le = std::fs::read(path).unwrap();
        let be = swap_btf(&le).unwrap_or_else(|e| panic!("{label}: converter: {e}"));
        assert_eq!(swap_btf(&be).unwrap(), le, "{label}: converting back");
        let reference = Btf::from_bytes(&le).unwrap();
        let ours = Btf::from_bytes(&be).unwrap_or_else(|e| panic!("{label}: ours: {e}"));
        compare_ours(&label, &reference, &ours, 1, &mut diffs);
        let theirs = LibbpfBtf::from_bytes(&be).unwrap_or_else(|e| panic!("{label}: errno {e}"));
        compare_libbpf(&label, &reference, &theirs, &be, 1, &mut diffs);
        types += u64::from(reference.nr_types());
    }
    finish(
        "vmlinux",
        &diffs,
        format!("{} BTFs, {types} types", files.len()),
        started,
    );
}

/// The selected modules of 6.1.0-47, converted to big-endian, split over the big-endian vmlinux
/// and over the little-endian one.
#[test]
fn selected_modules_big_endian() {
    let _dir = require_corpus!("big_endian::selected_modules_big_endian");
    libbpf::quiet();
    let started = Instant::now();
    let ver = "6.1.0-47";
    let base_le = std::fs::read(corpus::vmlinux_file(ver).unwrap()).unwrap();
    let base_be = swap_btf(&base_le).unwrap();
    let ours_le = Arc::new(Btf::from_bytes(&base_le).unwrap());
    let ours_be = Arc::new(Btf::from_bytes(&base_be).unwrap());
    let theirs_le = Arc::new(LibbpfBtf::from_bytes(&base_le).unwrap());
    let theirs_be = Arc::new(LibbpfBtf::from_bytes(&base_be).unwrap());
    let modules = corpus::selected_modules(ver);
    assert_eq!(modules.len(), 26);
    let mut diffs = Vec::new();
    let mut types = 0u64;
    for path in &modules {
        let name = corpus::version_of(path).unwrap();
        let le = std::fs::read(path).unwrap();
        let be = swap_btf(&le).unwrap_or_else(|e| panic!("{name}: converter: {e}"));
        assert_eq!(swap_btf(&be).unwrap(), le, "{name}: converting back");
        let reference = Btf::from_bytes_split(&le, Arc::clone(&ours_le)).unwrap();
        let from = reference.start_id();
        types += u64::from(reference.nr_types());
        for (combo, ours_base, their_base) in [
            ("BE over BE vmlinux", &ours_be, &theirs_be),
            ("BE over LE vmlinux", &ours_le, &theirs_le),
        ] {
            let label = format!("{name} ({combo})");
            match Btf::from_bytes_split(&be, Arc::clone(ours_base)) {
                Ok(ours) => compare_ours(&label, &reference, &ours, from, &mut diffs),
                Err(e) => diffs.push(format!("{label}: ours rejects: {e}")),
            }
            match LibbpfBtf::from_bytes_split(&be, their_base) {
                Ok(t) => compare_libbpf(&label, &reference, &t, &be, from, &mut diffs),
                Err(e) => diffs.push(format!("{label}: libbpf rejects: errno {e}")),
            }
        }
    }
    finish(
        "selected modules 6.1.0-47",
        &diffs,
        format!("{} modules x 2 bases, {types} own types", modules.len()),
        started,
    );
}
