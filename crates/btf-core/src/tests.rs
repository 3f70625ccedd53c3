//! Unit tests of parsing, the base chain, queries and the raw text dump on hand-encoded BTF.

use std::sync::Arc;

use crate::testutil::{RawBtf, info};
use crate::{Btf, Endianness, ErrorKind, Kind, text};

const EINVAL: i32 = 22;
const ENOTSUP: i32 = 95;

/// One type of every kind libbpf 1.7 knows; returns the encoder (ids in comments).
fn every_kind() -> RawBtf {
    let mut b = RawBtf::base();
    let int = b.str("int");
    let long = b.str("long unsigned int");
    let s = b.str("s");
    let a = b.str("a");
    let bf = b.str("bf");
    let u = b.str("u");
    let e = b.str("e");
    let v1 = b.str("V1");
    let e64 = b.str("e64");
    let big = b.str("BIG");
    let fwd = b.str("fw");
    let td = b.str("td");
    let func = b.str("fn");
    let arg = b.str("arg");
    let var = b.str("var");
    let sec = b.str(".data");
    let flt = b.str("float");
    let tag = b.str("tag");
    b.push(&[int, info(1, false, 0), 4, (1 << 24) | 32]) // [1] INT int signed
        .push(&[long, info(1, false, 0), 8, 64]) // [2] INT long unsigned int
        .push(&[0, info(2, false, 0), 4]) // [3] PTR -> struct s
        .push(&[0, info(3, false, 0), 0, 1, 1, 10]) // [4] ARRAY int[10]
        .push(&[s, info(4, true, 2), 8, a, 1, 0, bf, 1, (3 << 24) | 32]) // [5] STRUCT s {int a; int bf:3}
        .push(&[u, info(5, false, 1), 4, a, 1, 0]) // [6] UNION u
        .push(&[e, info(6, true, 1), 4, v1, (-1i32) as u32]) // [7] ENUM e signed
        .push(&[e64, info(19, false, 1), 8, big, 0, 1]) // [8] ENUM64
        .push(&[fwd, info(7, true, 0), 0]) // [9] FWD union
        .push(&[td, info(8, false, 0), 1]) // [10] TYPEDEF td -> int
        .push(&[0, info(9, false, 0), 10]) // [11] VOLATILE
        .push(&[0, info(10, false, 0), 11]) // [12] CONST
        .push(&[0, info(11, false, 0), 3]) // [13] RESTRICT
        .push(&[0, info(13, false, 1), 1, arg, 3]) // [14] FUNC_PROTO int (struct s *arg)
        .push(&[func, info(12, false, 1), 14]) // [15] FUNC global
        .push(&[var, info(14, false, 0), 1, 1]) // [16] VAR global
        .push(&[sec, info(15, false, 1), 4, 16, 0, 4]) // [17] DATASEC
        .push(&[flt, info(16, false, 0), 4]) // [18] FLOAT
        .push(&[tag, info(17, false, 0), 5, 1]) // [19] DECL_TAG on member 1
        .push(&[tag, info(18, false, 0), 3]); // [20] TYPE_TAG
    b
}

#[test]
fn parses_every_kind() {
    let btf = Btf::from_bytes(&every_kind().le()).unwrap();
    assert_eq!(btf.type_cnt(), 21);
    assert_eq!(btf.endianness(), Endianness::Little);
    let kinds: Vec<u32> = (1..21)
        .map(|id| btf.type_by_id(id).unwrap().kind_raw())
        .collect();
    assert_eq!(
        kinds,
        [
            1, 1, 2, 3, 4, 5, 6, 19, 7, 8, 9, 10, 11, 13, 12, 14, 15, 16, 17, 18
        ]
    );
    let s = btf.type_by_id(5).unwrap();
    let members: Vec<_> = s
        .members()
        .map(|m| (m.bit_offset(), m.bitfield_size()))
        .collect();
    assert_eq!(members, [(0, 0), (32, 3)]);
    assert_eq!(
        btf.type_by_id(8)
            .unwrap()
            .enum64_values()
            .next()
            .unwrap()
            .val,
        1 << 32
    );
    assert_eq!(btf.type_by_id(0).unwrap().kind(), Some(Kind::Unkn));
    assert!(btf.type_by_id(21).is_none());
    assert_eq!(btf.str_by_offset(1).unwrap().to_bytes(), b"int");
}

#[test]
fn big_endian_parses_to_the_same_words() {
    let raw = every_kind();
    let le = Btf::from_bytes(&raw.le()).unwrap();
    let be = Btf::from_bytes(&raw.bytes(Endianness::Big, 24)).unwrap();
    assert_eq!(be.endianness(), Endianness::Big);
    for id in 0..le.type_cnt() {
        assert_eq!(
            le.type_by_id(id).unwrap().words(),
            be.type_by_id(id).unwrap().words()
        );
    }
}

#[test]
fn foreign_endian_header_length_rules() {
    let raw = every_kind();
    assert!(Btf::from_bytes(&raw.bytes(Endianness::Big, 32)).is_ok());
    let err = Btf::from_bytes(&raw.bytes(Endianness::Big, 28)).unwrap_err();
    assert_eq!(err.errno(), ENOTSUP);
    // Native order: any header length the data holds is accepted, as libbpf does.
    assert!(Btf::from_bytes(&raw.bytes(Endianness::Little, 28)).is_ok());
}

fn expect_invalid(data: &[u8], needle: &str) {
    let err = Btf::from_bytes(data).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid, "{err}");
    assert!(
        err.to_string().contains(needle),
        "{err:?} should mention {needle:?}"
    );
}

#[test]
fn header_damage_is_rejected_with_a_place() {
    let good = every_kind().le();
    expect_invalid(&good[..23], "24-byte");
    let mut bad = good.clone();
    bad[0] = 0;
    expect_invalid(&bad, "magic");
    let set = |at: usize, v: u32| {
        let mut d = good.clone();
        d[at..at + 4].copy_from_slice(&v.to_le_bytes());
        d
    };
    expect_invalid(&set(4, good.len() as u32 + 1), "hdr_len");
    expect_invalid(&set(20, u32::MAX), "string section");
    expect_invalid(&set(12, 0x1000), "overlaps");
    let mut unaligned = set(8, 2);
    unaligned[12..16].copy_from_slice(&0u32.to_le_bytes());
    expect_invalid(&unaligned, "aligned");
}

#[test]
fn string_section_rules() {
    let mut raw = every_kind();
    raw.strs.pop();
    expect_invalid(&raw.le(), "not NUL");
    let mut raw = every_kind();
    raw.strs[0] = b'x';
    expect_invalid(&raw.le(), "base");
    let mut raw = every_kind();
    raw.strs.clear();
    expect_invalid(&raw.le(), "empty");
}

#[test]
fn type_section_damage_names_the_type() {
    let mut raw = every_kind();
    raw.types.truncate(raw.types.len() - 1);
    expect_invalid(&raw.le(), "8 trailing bytes");
    let mut raw = every_kind();
    let datasec_at = raw.types.len() - 16;
    assert_eq!(raw.types[datasec_at + 1], info(15, false, 1));
    raw.types[datasec_at + 1] = info(15, false, 9);
    expect_invalid(&raw.le(), "type [17] at byte");
    let mut raw = every_kind();
    raw.types[1] = info(0, false, 0);
    expect_invalid(&raw.le(), "UNKN");
    let mut raw = every_kind();
    raw.types[1] = info(25, false, 0);
    expect_invalid(&raw.le(), "unknown kind 25");
    let mut raw = every_kind();
    raw.types[0] = 10_000;
    expect_invalid(&raw.le(), "type [1] INT at byte 24: name offset 10000");
    let mut raw = every_kind();
    raw.types[10] = 99; // [3] PTR -> 99
    expect_invalid(&raw.le(), "referenced type id 99");
    let mut raw = every_kind();
    let func_at = raw.types.len() - 23; // FUNC (3 words), then VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG
    assert_eq!(raw.types[func_at + 1], info(12, false, 1));
    raw.types[func_at + 2] = 1;
    expect_invalid(&raw.le(), "not a FUNC_PROTO");
}

#[test]
fn unknown_kind_sized_by_layout_section() {
    // hdr_len 32: types, then a layout section of 21 entries (kind 20: 4 bytes of info), then strings.
    let mut raw = RawBtf::base();
    let name = raw.str("x");
    raw.push(&[name, info(20, false, 0), 0, 0xdead_beef])
        .push(&[name, info(1, false, 0), 4, 32]);
    let type_len = raw.types.len() as u32 * 4;
    let mut layout = vec![0u8; 21 * 4];
    layout[20 * 4] = 4;
    let mut data = Vec::new();
    for w in [
        0x0001_EB9Fu32,
        32,
        0,
        type_len,
        type_len + layout.len() as u32,
        raw.strs.len() as u32,
        type_len,
        layout.len() as u32,
    ] {
        data.extend_from_slice(&w.to_le_bytes());
    }
    for w in &raw.types {
        data.extend_from_slice(&w.to_le_bytes());
    }
    data.extend_from_slice(&layout);
    data.extend_from_slice(&raw.strs);
    let btf = Btf::from_bytes(&data).unwrap();
    assert_eq!(btf.type_cnt(), 3);
    assert_eq!(btf.type_by_id(1).unwrap().kind_raw(), 20);
    assert_eq!(btf.type_by_id(2).unwrap().kind(), Some(Kind::Int));
    // Without the layout section the unknown kind cannot be sized.
    data[28..32].copy_from_slice(&0u32.to_le_bytes());
    assert_eq!(Btf::from_bytes(&data).unwrap_err().errno(), EINVAL);
}

fn split_fixture() -> (Arc<Btf>, Btf) {
    let base = Arc::new(Btf::from_bytes(&every_kind().le()).unwrap());
    let start = base.str_end();
    let mut split = RawBtf::split();
    let name = split.str_at(start, "s2");
    let m = split.str_at(start, "m");
    split
        .push(&[name, info(4, false, 2), 16, m, 5, 0, 1, 2, 64]) // [21] struct s2 { struct s m; long ... }
        .push(&[2, info(1, false, 0), 4, 32]) // [22] INT named "int" via a base string offset
        .push(&[0, info(2, false, 0), 21]); // [23] PTR -> s2
    let btf = Btf::from_bytes_split(&split.le(), base.clone()).unwrap();
    (base, btf)
}

#[test]
fn split_btf_continues_ids_and_strings() {
    let (base, split) = split_fixture();
    assert_eq!(split.start_id(), 21);
    assert_eq!(split.type_cnt(), 24);
    assert_eq!(
        split.type_by_id(5).unwrap().words(),
        base.type_by_id(5).unwrap().words()
    );
    assert_eq!(split.name_of(&split.type_by_id(21).unwrap()), b"s2");
    // Base types come first in lookups, as libbpf's base-chain-first scan.
    assert_eq!(split.find_by_name_kind(b"int", Kind::Int as u32), Some(1));
    assert_eq!(
        split.find_by_name_kind(b"s2", Kind::Struct as u32),
        Some(21)
    );
    assert_eq!(split.resolve_size(21).unwrap(), 16);
    assert_eq!(split.resolve_size(23).unwrap(), 8);
    // Without its base the split's strings do not start with NUL.
    assert!(Btf::from_bytes(&RawBtf::split().le()).is_err());
}

#[test]
fn split_over_split_and_empty_strings() {
    let (_, mid) = split_fixture();
    let mid = Arc::new(mid);
    let mut top = RawBtf::split();
    top.push(&[0, info(2, false, 0), 21]); // [24] PTR -> s2 (in the middle layer), no strings at all
    let btf = Btf::from_bytes_split(&top.le(), mid.clone()).unwrap();
    assert_eq!(btf.start_id(), 24);
    assert_eq!(btf.type_cnt(), 25);
    assert_eq!(btf.start_str_off(), mid.str_end());
    assert_eq!(btf.find_by_name(b"s2"), Some(21));
    assert_eq!(btf.str_by_offset(1).unwrap().to_bytes(), b"int");
    assert!(btf.str_by_offset(btf.str_end()).is_none());
}

#[test]
fn find_by_name_kind_follows_libbpf() {
    let btf = Btf::from_bytes(&every_kind().le()).unwrap();
    assert_eq!(btf.find_by_name_kind(b"void", Kind::Struct as u32), Some(0));
    assert_eq!(btf.find_by_name_kind(b"int", 0), Some(0));
    assert_eq!(btf.find_by_name_kind(b"int", Kind::Struct as u32), None);
    assert_eq!(
        btf.find_by_name_kind(b"tag", Kind::TypeTag as u32),
        Some(20)
    );
    assert_eq!(btf.find_by_name(b"tag"), Some(19));
    // A kind negative as __s32 matches any kind; one above 31 matches none.
    assert_eq!(btf.find_by_name_kind(b"tag", u32::MAX), Some(19));
    assert_eq!(btf.find_by_name_kind(b"tag", 40), None);
    assert_eq!(btf.find_by_name(b""), Some(3));
    assert_eq!(btf.find_by_name(b"nope"), None);
}

#[test]
fn resolve_and_align() {
    let btf = Btf::from_bytes(&every_kind().le()).unwrap();
    assert_eq!(btf.pointer_size(), Some(8));
    assert_eq!(btf.resolve_size(4).unwrap(), 40);
    assert_eq!(btf.resolve_size(12).unwrap(), 4); // const volatile td
    assert_eq!(btf.resolve_size(16).unwrap(), 4); // var
    assert_eq!(btf.resolve_size(9).unwrap_err().errno(), EINVAL); // fwd
    assert_eq!(btf.resolve_size(15).unwrap_err().errno(), EINVAL); // func
    assert_eq!(btf.resolve_type(12).unwrap(), 1);
    assert_eq!(btf.resolve_type(16).unwrap(), 1);
    assert!(btf.resolve_type(0).is_err());
    assert_eq!(btf.align_of(5).unwrap(), 4);
    assert_eq!(btf.align_of(4).unwrap(), 4);
    assert_eq!(btf.align_of(3).unwrap(), 8);
    assert!(btf.align_of(15).is_err());
    assert!(btf.align_of(99).is_err());
}

#[test]
fn packed_struct_aligns_to_one_and_cycles_do_not_hang() {
    let mut raw = every_kind();
    let p = raw.str("packed");
    let x = raw.str("x");
    raw.push(&[p, info(4, false, 2), 6, x, 1, 0, x, 2, 16]); // [21] long at bit 16: packed
    raw.push(&[p, info(4, false, 1), 8, x, 23, 0]); // [22] contains [23]
    raw.push(&[p, info(4, false, 1), 8, x, 22, 0]); // [23] contains [22]: a by-value cycle
    let btf = Btf::from_bytes(&raw.le()).unwrap();
    assert_eq!(btf.align_of(21).unwrap(), 1);
    // Found when [22] comes round again, not after hundreds of levels (the C dump asks once per
    // member and per value).
    for id in [22, 23] {
        let err = btf.align_of(id).unwrap_err().to_string();
        assert!(err.contains("contains itself by value"), "[{id}]: {err}");
    }
}

#[test]
fn pointer_size_guess_and_override() {
    let mut raw = RawBtf::base();
    let n = raw.str("long int");
    raw.push(&[n, info(1, false, 0), 4, (1 << 24) | 32])
        .push(&[0, info(2, false, 0), 1]);
    let btf = Btf::from_bytes(&raw.le()).unwrap();
    assert_eq!(btf.pointer_size(), Some(4));
    assert_eq!(btf.resolve_size(2).unwrap(), 4);
    assert!(btf.set_pointer_size(5).is_err());
    btf.set_pointer_size(8).unwrap();
    assert_eq!(btf.pointer_size(), Some(8));
    let none = Btf::from_bytes(&RawBtf::base().le()).unwrap();
    assert_eq!(none.pointer_size(), None);
}

#[test]
fn raw_text_dump_matches_bpftool_format() {
    let btf = Btf::from_bytes(&every_kind().le()).unwrap();
    let mut out = Vec::new();
    text::write_raw_dump(&mut out, &btf).unwrap();
    let expected = "\
[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED
[2] INT 'long unsigned int' size=8 bits_offset=0 nr_bits=64 encoding=(none)
[3] PTR '(anon)' type_id=4
[4] ARRAY '(anon)' type_id=1 index_type_id=1 nr_elems=10
[5] STRUCT 's' size=8 vlen=2
\t'a' type_id=1 bits_offset=0
\t'bf' type_id=1 bits_offset=32 bitfield_size=3
[6] UNION 'u' size=4 vlen=1
\t'a' type_id=1 bits_offset=0
[7] ENUM 'e' encoding=SIGNED size=4 vlen=1
\t'V1' val=-1
[8] ENUM64 'e64' encoding=UNSIGNED size=8 vlen=1
\t'BIG' val=4294967296ULL
[9] FWD 'fw' fwd_kind=union
[10] TYPEDEF 'td' type_id=1
[11] VOLATILE '(anon)' type_id=10
[12] CONST '(anon)' type_id=11
[13] RESTRICT '(anon)' type_id=3
[14] FUNC_PROTO '(anon)' ret_type_id=1 vlen=1
\t'arg' type_id=3
[15] FUNC 'fn' type_id=14 linkage=global
[16] VAR 'var' type_id=1, linkage=global
[17] DATASEC '.data' size=4 vlen=1
\ttype_id=16 offset=0 size=4 (VAR 'var')
[18] FLOAT 'float' size=4
[19] DECL_TAG 'tag' type_id=5 component_idx=1
[20] TYPE_TAG 'tag' type_id=3
";
    assert_eq!(String::from_utf8(out).unwrap(), expected);
}

fn test_data(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-data")
        .join(name)
}

#[test]
fn elf_with_distilled_base_is_split_over_it() {
    let elf = Btf::parse_elf_file(test_data("mod-distilled.o"), None).unwrap();
    let base = elf.btf.base().expect("split over .BTF.base");
    let small = Btf::parse_raw_file(test_data("small.btf"), None).unwrap();
    assert_eq!(base.type_cnt(), small.type_cnt());
    assert_eq!(elf.btf.start_id(), small.type_cnt());
    assert!(elf.btf.nr_types() > 0);
    assert_eq!(elf.btf.pointer_size(), Some(8));
    assert!(elf.ext.is_none());
    // Given a base as well, `.BTF` is relocated onto it. This file's `.BTF.base` is a full BTF,
    // not a distilled one (it holds pointers, typedefs, ...): libbpf 1.7.0 fails with EINVAL.
    let err = Btf::parse_elf_file(test_data("mod-distilled.o"), Some(Arc::new(small))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid, "{err}");
    assert!(err.to_string().contains(".BTF.base"), "{err}");
    assert!(err.to_string().contains("not a distilled base"), "{err}");
}

#[test]
fn compressed_elf_reads_like_the_original() {
    use std::io::Write;
    let raw = std::fs::read(test_data("mod-distilled.o")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&raw).unwrap();
    let gz = gz.finish().unwrap();
    let zst = zstd::encode_all(&raw[..], 3).unwrap();
    let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 1);
    xz.write_all(&raw).unwrap();
    let xz = xz.finish().unwrap();
    let plain = Btf::parse_elf_bytes(&raw, None).unwrap().btf;
    for packed in [gz, zst, xz] {
        let btf = Btf::parse_elf_bytes(&packed, None).unwrap().btf;
        assert_eq!(btf.type_cnt(), plain.type_cnt());
        for id in 0..plain.type_cnt() {
            assert_eq!(
                btf.type_by_id(id).unwrap().words(),
                plain.type_by_id(id).unwrap().words()
            );
        }
    }
    // Corrupt compressed data is an error, not a panic.
    let mut broken = zstd::encode_all(&raw[..], 3).unwrap();
    broken.truncate(broken.len() / 2);
    assert!(Btf::parse_elf_bytes(&broken, None).is_err());
}

#[test]
fn elf_without_btf_and_non_elf_files() {
    let small = std::fs::read(test_data("small.btf")).unwrap();
    let err = Btf::parse_elf_bytes(&small, None).unwrap_err();
    assert_eq!(err.errno(), crate::LIBBPF_ERRNO_FORMAT);
    let err = Btf::parse_elf_file("/nonexistent/x.ko", None).unwrap_err();
    assert_eq!(err.errno(), 2);
    assert!(err.to_string().contains("/nonexistent/x.ko"));
    // An ELF object with no .BTF at all: the test binary itself.
    let exe = std::env::current_exe().unwrap();
    let err = Btf::parse_file(&exe, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NoBtfSection, "{err}");
    assert!(err.to_string().contains(".BTF"));
}

/// `data` (canonical little-endian BTF, 24-byte header) re-laid with `pre_types` junk bytes
/// before the types and `pre_strings` before the strings: input libbpf accepts.
fn with_gaps(data: &[u8], pre_types: usize, pre_strings: usize) -> Vec<u8> {
    let word = |at: usize| u32::from_le_bytes(data[at..at + 4].try_into().unwrap()) as usize;
    let (type_len, str_len) = (word(12), word(20));
    let mut out = data[..24].to_vec();
    out[8..12].copy_from_slice(&(pre_types as u32).to_le_bytes());
    out[16..20].copy_from_slice(&((pre_types + type_len + pre_strings) as u32).to_le_bytes());
    out.extend(std::iter::repeat_n(0xee, pre_types));
    out.extend_from_slice(&data[24..24 + type_len]);
    out.extend(std::iter::repeat_n(0xdd, pre_strings));
    out.extend_from_slice(&data[24 + type_len..24 + type_len + str_len]);
    out
}

/// Issue 12, defect 3: input whose sections have gaps (or `type_off != 0`) gives its bytes back
/// while unmodified; anything rebuilt — the other byte order, any modification — is the
/// canonical layout (types at 0, strings right after), equal to what the same object read from
/// canonical bytes writes, and parses again. (libbpf 1.7.0 writes its header fields as read, so
/// its rebuilt output does not parse.)
#[test]
fn rebuilt_raw_data_of_input_with_gaps_is_canonical() {
    if cfg!(target_endian = "big") {
        return; // the inputs are little-endian
    }
    let other = Endianness::Big;
    let base_bytes = every_kind().le();
    let base = Arc::new(Btf::from_bytes(&base_bytes).unwrap());
    let mut split = RawBtf::split();
    let name = split.str_at(base.str_end(), "s2");
    split
        .push(&[name, info(1, false, 0), 4, 32])
        .push(&[0, info(2, false, 0), 21]);
    let split_bytes = split.le();
    for (pre_types, pre_strings) in [(4, 0), (0, 8), (4, 8), (12, 4)] {
        for is_split in [false, true] {
            let label = format!("gaps {pre_types}/{pre_strings}, split {is_split}");
            let canonical = if is_split { &split_bytes } else { &base_bytes };
            let input = with_gaps(canonical, pre_types, pre_strings);
            let parse = |data: &[u8]| {
                if is_split {
                    Btf::from_bytes_split(data, base.clone())
                } else {
                    Btf::from_bytes(data)
                }
            };
            let mut ours = parse(&input).unwrap();
            let mut want = parse(canonical).unwrap();
            assert_eq!(*ours.raw_data(), *input, "{label}: unmodified, native");
            ours.set_endianness(other);
            want.set_endianness(other);
            assert_eq!(ours.raw_data(), want.raw_data(), "{label}: other order");
            let again = parse(&ours.raw_data()).unwrap_or_else(|e| panic!("{label}: {e}"));
            assert_eq!(again.type_cnt(), want.type_cnt());
            ours.set_endianness(Endianness::Little);
            want.set_endianness(Endianness::Little);
            for btf in [&mut ours, &mut want] {
                btf.add_int("added", 4, 0).unwrap();
            }
            let raw = ours.raw_data().into_owned();
            assert_eq!(raw, *want.raw_data(), "{label}: after add_int");
            assert_eq!(raw[8..12], 0u32.to_le_bytes(), "{label}: type_off");
            let again = parse(&raw).unwrap_or_else(|e| panic!("{label}: rebuilt: {e}"));
            let last = again.type_by_id(again.type_cnt() - 1).unwrap();
            assert_eq!(again.name_of(&last), b"added", "{label}");
            ours.set_endianness(other);
            want.set_endianness(other);
            assert_eq!(
                ours.raw_data(),
                want.raw_data(),
                "{label}: modified, other order"
            );
        }
    }
}

/// Issue 12, defect 2: split BTF whose `hdr_len` is 0 (its string section overlaps the header)
/// is accepted, as libbpf does; an unmodified object gives the input back, and a modified one is
/// written with a full 24-byte header, which parses again with the same types and strings.
#[test]
fn header_shorter_than_24_bytes_is_rebuilt_with_a_full_header() {
    if cfg!(target_endian = "big") {
        return;
    }
    let base = Arc::new(Btf::from_bytes(&every_kind().le()).unwrap());
    for hdr_len in [0u32, 4, 20] {
        // The string section is the whole input from `hdr_len` on: header bytes, then "abc".
        let mut data = Vec::new();
        let str_len = 28 - hdr_len;
        for w in [0x0001_EB9Fu32, hdr_len, 0, 0, 0, str_len] {
            data.extend_from_slice(&w.to_le_bytes());
        }
        data.extend_from_slice(b"abc\0");
        let mut split = Btf::from_bytes_split(&data, base.clone()).unwrap();
        assert_eq!(split.type_cnt(), base.type_cnt());
        assert_eq!(*split.raw_data(), *data, "hdr_len {hdr_len}: unmodified");
        let id = split.add_int("x", 4, 0).unwrap();
        let raw = split.raw_data().into_owned();
        assert_eq!(
            raw[4..8],
            24u32.to_le_bytes(),
            "hdr_len {hdr_len}: rebuilt hdr_len"
        );
        let again = Btf::from_bytes_split(&raw, base.clone())
            .unwrap_or_else(|e| panic!("hdr_len {hdr_len}: rebuilt output: {e}"));
        assert_eq!(again.type_cnt(), id + 1);
        assert_eq!(again.name_of(&again.type_by_id(id).unwrap()), b"x");
        assert_eq!(again.strings_section(), split.strings_section());
        assert_eq!(*again.raw_data(), *raw);
        split.set_endianness(Endianness::Big);
        let big = split.raw_data().into_owned();
        let again = Btf::from_bytes_split(&big, base.clone())
            .unwrap_or_else(|e| panic!("hdr_len {hdr_len}: big-endian output: {e}"));
        assert_eq!(again.type_cnt(), id + 1);
    }
}

/// A native header of neither 24 nor 32 bytes (zeros past 24, which native readers accept) written
/// in the other byte order: readers take only 24 or 32 bytes there, so the extra bytes go (fuzz
/// finding F1; libbpf 1.7.0 keeps them and cannot read its own output).
#[test]
fn other_byte_order_output_of_an_odd_header_parses_again() {
    let native = every_kind().le();
    if cfg!(target_endian = "big") {
        return;
    }
    for extra in [4usize, 12, 16] {
        let hdr_len = 24 + extra;
        let mut data = native[..24].to_vec();
        data[4..8].copy_from_slice(&(hdr_len as u32).to_le_bytes());
        data.extend(std::iter::repeat_n(0u8, extra));
        data.extend_from_slice(&native[24..]);
        let btf = Btf::from_bytes(&data).unwrap_or_else(|e| panic!("hdr_len {hdr_len}: {e}"));
        let big = btf.raw_data_in(Endianness::Big).into_owned();
        let again = Btf::from_bytes(&big)
            .unwrap_or_else(|e| panic!("hdr_len {hdr_len}: big-endian output: {e}"));
        assert_eq!(again.type_cnt(), btf.type_cnt(), "hdr_len {hdr_len}");
        let back = again.raw_data_in(Endianness::Little).into_owned();
        assert_eq!(Btf::from_bytes(&back).unwrap().type_cnt(), btf.type_cnt());
    }
}

/// A 32-byte header with a kind layout section (and a gap before it): after a modification the
/// layout section is written right after the types, the header fields saying so.
#[test]
fn rebuilt_raw_data_keeps_the_kind_layout_section() {
    let mut raw = RawBtf::base();
    let name = raw.str("x");
    raw.push(&[name, info(20, false, 0), 0, 0xdead_beef])
        .push(&[name, info(1, false, 0), 4, 32]);
    let type_len = raw.types.len() as u32 * 4;
    let mut layout = vec![0u8; 21 * 4];
    layout[20 * 4] = 4;
    let gap = 8u32;
    let mut data = Vec::new();
    for w in [
        0x0001_EB9Fu32,
        32,
        0,
        type_len,
        type_len + gap + layout.len() as u32,
        raw.strs.len() as u32,
        type_len + gap,
        layout.len() as u32,
    ] {
        data.extend_from_slice(&w.to_ne_bytes());
    }
    for w in &raw.types {
        data.extend_from_slice(&w.to_ne_bytes());
    }
    data.extend(std::iter::repeat_n(0xee, gap as usize));
    data.extend_from_slice(&layout);
    data.extend_from_slice(&raw.strs);
    let mut btf = Btf::from_bytes(&data).unwrap();
    assert_eq!(*btf.raw_data(), *data);
    btf.add_int("y", 4, 0).unwrap();
    for order in [Endianness::Little, Endianness::Big] {
        btf.set_endianness(order);
        let out = btf.raw_data().into_owned();
        let again = Btf::from_bytes(&out).unwrap_or_else(|e| panic!("{order:?}: {e}"));
        assert_eq!(again.type_cnt(), 4);
        assert_eq!(again.type_by_id(1).unwrap().kind_raw(), 20);
        assert_eq!(again.kind_layout(), btf.kind_layout());
        let h = again.header();
        assert_eq!(
            (h.hdr_len, h.type_off, h.layout_off, h.layout_len),
            (32, 0, h.type_len, 84)
        );
        assert_eq!(h.str_off, h.type_len + 84);
    }
}

/// A 32-byte header whose kind layout fields point at no section (the strings fill the data):
/// unmodified, `raw_data` gives back the bytes as read, as libbpf does; rebuilt, the fields are
/// rewritten to "no layout section" (fuzz `diff_parse`, `regressions/diff_parse/`).
#[test]
fn unmodified_raw_data_keeps_a_long_header_as_read() {
    let mut data = Vec::new();
    for v in [0xeb9f_u16.to_ne_bytes().to_vec(), vec![1, 0]] {
        data.extend_from_slice(&v);
    }
    // hdr_len 32, type_off 0, type_len 0, str_off 0, str_len 4, layout_off 32, layout_len 0x6e0000
    for v in [32u32, 0, 0, 0, 4, 32, 0x6e_0000] {
        data.extend_from_slice(&v.to_ne_bytes());
    }
    data.extend_from_slice(b"\0ab\0");
    let mut btf = Btf::from_bytes(&data).unwrap();
    assert_eq!(&*btf.raw_data(), &data[..]);
    btf.add_str("c").unwrap();
    let rebuilt = btf.raw_data().into_owned();
    assert_eq!(&rebuilt[24..32], &[0; 8], "layout fields rewritten");
    Btf::from_bytes(&rebuilt).unwrap();
}
