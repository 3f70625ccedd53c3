//! `btf__dedup` and `btf__permute` given the object's `.BTF.ext` (`opts->btf_ext`), against real
//! libbpf 1.7.0, on every test BPF object (clang, `-target bpf` and `bpfeb`): the BTF and the
//! `.BTF.ext` come out byte-identical, in the object's byte order and in the other one.
//!
//! * dedup of the object as `btf__parse_elf` gives it (BTF and `btf_ext`);
//! * dedup of a doubled object — its types and strings appended once more, the `.BTF.ext`
//!   pointed at the copies — so that every `.BTF.ext` type id and string offset must move;
//! * permute with a rotation of the own ids (no fixed point), so every `.BTF.ext` type id moves;
//!   and a `.BTF.ext` naming types past the last, refused by both with `EINVAL`.

use btf_core::fields::{FieldKind, field_positions};
use btf_core::{Btf, BtfExt, DedupOptions, Endianness};
use btf_difftest::bpfobj::{self, BpfObject};
use btf_difftest::libbpf::{LibbpfBtfExt, quiet};

fn order(big: bool) -> Endianness {
    if big {
        Endianness::Big
    } else {
        Endianness::Little
    }
}

/// The object's `.BTF` and `.BTF.ext` sections.
fn sections(object: &BpfObject) -> (Vec<u8>, Vec<u8>) {
    let bytes = object.bytes();
    let secs =
        btf_core::elf::elf_sections(&bytes).unwrap_or_else(|e| panic!("{}: {e}", object.name));
    let btf = secs
        .btf
        .unwrap_or_else(|| panic!("{}: no .BTF", object.name));
    let ext = secs
        .ext
        .unwrap_or_else(|| panic!("{}: no .BTF.ext", object.name));
    (btf.to_vec(), ext.to_vec())
}

/// `ours == theirs`, reported by the first differing byte rather than as two long arrays.
#[track_caller]
fn same_bytes(what: &str, ours: &[u8], theirs: &[u8]) {
    if ours != theirs {
        let at = ours.iter().zip(theirs).position(|(a, b)| a != b);
        panic!(
            "{what}: {} bytes (ours) vs {} (libbpf), first difference at {at:?}",
            ours.len(),
            theirs.len()
        );
    }
}

/// Our `.BTF.ext` next to libbpf's: equal raw data in the current byte order, then in the other
/// one, then back.
fn same_ext(what: &str, ours: &mut BtfExt, theirs: &mut LibbpfBtfExt) {
    let big = ours.endianness() == Endianness::Big;
    assert_eq!(theirs.is_big_endian(), big, "{what}: .BTF.ext byte order");
    same_bytes(
        &format!("{what}: .BTF.ext"),
        ours.raw_data(),
        &theirs.raw_data(),
    );
    for b in [!big, big] {
        ours.set_endianness(order(b));
        assert_eq!(theirs.set_endianness(b), 0);
        let w = format!("{what}: .BTF.ext in {:?}", order(b));
        same_bytes(&w, ours.raw_data(), &theirs.raw_data());
    }
}

/// Every type id of a `.BTF.ext`, in libbpf's visiting order.
fn type_ids(ext: &BtfExt) -> Vec<u32> {
    let mut out = Vec::new();
    for sec in ext.func_info() {
        out.extend(sec.records().map(|r| r.type_id));
    }
    for sec in ext.core_relo() {
        out.extend(sec.records().map(|r| r.type_id));
    }
    out
}

/// Every string offset of a `.BTF.ext`, in libbpf's visiting order.
fn str_offs(ext: &BtfExt) -> Vec<u32> {
    let mut out: Vec<u32> = ext.func_info().map(|s| s.sec_name_off()).collect();
    for sec in ext.line_info() {
        out.push(sec.sec_name_off());
        for r in sec.records() {
            out.extend([r.file_name_off, r.line_off]);
        }
    }
    for sec in ext.core_relo() {
        out.push(sec.sec_name_off());
        out.extend(sec.records().map(|r| r.access_str_off));
    }
    out
}

/// The object's BTF with its own types and its strings appended once more (the copies' type ids
/// and string offsets shifted to point at the copies), in the object's byte order; and the
/// `.BTF.ext` pointed at the copies.
fn doubled(btf: &[u8], ext: &[u8], what: &str) -> (Vec<u8>, Vec<u8>) {
    let b = Btf::from_bytes(btf).unwrap_or_else(|e| panic!("{what}: {e}"));
    let n = b.nr_types();
    let strs = b.strings_section().to_vec();
    let s = strs.len() as u32;
    let mut types: Vec<u32> = b.types().flat_map(|t| t.words().to_vec()).collect();
    for t in b.types() {
        let mut w = t.words().to_vec();
        let ids = field_positions(t.kind_raw(), t.vlen(), FieldKind::TypeIds).unwrap();
        for p in ids {
            if w[p] != 0 {
                w[p] += n;
            }
        }
        let offs = field_positions(t.kind_raw(), t.vlen(), FieldKind::Strings).unwrap();
        for p in offs {
            if w[p] != 0 {
                w[p] += s;
            }
        }
        types.extend(w);
    }
    let type_len = types.len() as u32 * 4;
    let mut raw = Vec::new();
    raw.extend(0xeb9fu16.to_ne_bytes());
    raw.extend([1, 0]);
    for v in [24, 0, type_len, type_len, 2 * s] {
        raw.extend(u32::to_ne_bytes(v));
    }
    raw.extend(types.iter().flat_map(|w| w.to_ne_bytes()));
    raw.extend(&strs);
    raw.extend(&strs);
    let out = Btf::from_bytes(&raw).unwrap_or_else(|e| panic!("{what}: doubled: {e}"));
    let raw = out.raw_data_in(b.endianness()).into_owned();

    let mut e = BtfExt::parse(ext).unwrap_or_else(|e| panic!("{what}: {e}"));
    e.remap_type_ids(|id| Ok::<_, ()>(if id == 0 { 0 } else { id + n }))
        .unwrap();
    e.remap_str_offs(|off| Ok::<_, ()>(if off == 0 { 0 } else { off + s }))
        .unwrap();
    (raw, e.raw_data().to_vec())
}

/// Dedups `btf` with `ext` through libbpf and btf-core, asserts identical results and returns
/// ours (BTF raw data, `.BTF.ext`).
fn dedup_both(what: &str, btf: &[u8], ext: &[u8]) -> (Vec<u8>, BtfExt) {
    let mut theirs = LibbpfBtfExt::new(ext).unwrap_or_else(|e| panic!("{what}: libbpf: {e}"));
    let (ret, their_raw) = theirs
        .dedup_with(btf)
        .unwrap_or_else(|e| panic!("{what}: libbpf parse: {e}"));
    assert_eq!(ret, 0, "{what}: libbpf dedup");
    let mut ours = BtfExt::parse(ext).unwrap();
    let mut b = Btf::from_bytes(btf).unwrap();
    b.dedup_with_ext(&DedupOptions::new(), Some(&mut ours))
        .unwrap_or_else(|e| panic!("{what}: dedup: {e}"));
    let raw = b.raw_data().into_owned();
    same_bytes(&format!("{what}: BTF after dedup"), &raw, &their_raw);
    let out = ours.clone();
    same_ext(what, &mut ours, &mut theirs);
    (raw, out)
}

#[test]
fn dedup_of_parsed_objects_matches_libbpf() {
    quiet();
    let Some(objects) = bpfobj::objects_or_skip("dedup_of_parsed_objects_matches_libbpf") else {
        return;
    };
    let mut records = 0;
    for object in &objects {
        let what = &object.name;
        let (ret, their_raw, mut theirs) = LibbpfBtfExt::parse_elf_and_dedup(&object.path)
            .unwrap_or_else(|e| panic!("{what}: libbpf: {e}"));
        assert_eq!(ret, 0, "{what}: libbpf dedup");
        let (mut btf, ext) =
            Btf::parse_file_with_ext(&object.path, None).unwrap_or_else(|e| panic!("{what}: {e}"));
        let mut ext = ext
            .unwrap_or_else(|| panic!("{what}: no .BTF.ext"))
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        btf.dedup_with_ext(&DedupOptions::new(), Some(&mut ext))
            .unwrap_or_else(|e| panic!("{what}: dedup: {e}"));
        same_bytes(
            &format!("{what}: BTF after dedup"),
            &btf.raw_data(),
            &their_raw,
        );
        records += type_ids(&ext).len() + str_offs(&ext).len();
        same_ext(what, &mut ext, &mut theirs);
    }
    eprintln!(
        "dedup with .BTF.ext of {} parsed objects == libbpf ({records} ids and offsets)",
        objects.len()
    );
}

#[test]
fn dedup_of_doubled_objects_moves_every_reference_as_libbpf() {
    quiet();
    let Some(objects) =
        bpfobj::objects_or_skip("dedup_of_doubled_objects_moves_every_reference_as_libbpf")
    else {
        return;
    };
    let (mut ids, mut offs) = (0, 0);
    for object in &objects {
        let what = &object.name;
        let (btf, ext) = sections(object);
        let (btf2, ext2) = doubled(&btf, &ext, what);
        let input = BtfExt::parse(&ext2).unwrap();
        let (raw, out) = dedup_both(&format!("{what} doubled"), &btf2, &ext2);
        // Every reference pointed at a copy, so every one moved.
        for (i, (a, b)) in type_ids(&input).into_iter().zip(type_ids(&out)).enumerate() {
            assert!(a == 0 || b < a, "{what}: type id #{i}: {a} -> {b}");
            ids += usize::from(a != 0);
        }
        for (i, (a, b)) in str_offs(&input).into_iter().zip(str_offs(&out)).enumerate() {
            assert!(a == 0 || b < a, "{what}: string offset #{i}: {a} -> {b}");
            offs += usize::from(a != 0);
        }
        // Fewer types than the input: the copies collapsed (all but VAR and DATASEC, which
        // dedup never merges).
        let n_in = Btf::from_bytes(&btf2).unwrap().type_cnt();
        assert!(Btf::from_bytes(&raw).unwrap().type_cnt() < n_in, "{what}");
    }
    assert!(ids > 0 && offs > 0);
    eprintln!(
        "dedup with .BTF.ext of {} doubled objects == libbpf: {ids} type ids and {offs} string offsets moved",
        objects.len()
    );
}

#[test]
fn permute_with_ext_matches_libbpf() {
    quiet();
    let Some(objects) = bpfobj::objects_or_skip("permute_with_ext_matches_libbpf") else {
        return;
    };
    let mut moved = 0;
    for object in &objects {
        let what = &object.name;
        let (btf, ext) = sections(object);
        let mut b = Btf::from_bytes(&btf).unwrap();
        let n = b.nr_types();
        assert!(n >= 2, "{what}: too few types to permute");
        // Rotation: i -> i + 1, the last to 1.
        let map: Vec<u32> = (0..=n)
            .map(|i| if i == 0 { 0 } else { i % n + 1 })
            .collect();

        let mut theirs = LibbpfBtfExt::new(&ext).unwrap();
        let (ret, their_raw) = theirs.permute_with(&btf, &mut map.clone()).unwrap();
        assert_eq!(ret, 0, "{what}: libbpf permute");
        let mut ours = BtfExt::parse(&ext).unwrap();
        let before = type_ids(&ours);
        b.permute_with_ext(&map, Some(&mut ours))
            .unwrap_or_else(|e| panic!("{what}: permute: {e}"));
        same_bytes(
            &format!("{what}: BTF after permute"),
            &b.raw_data(),
            &their_raw,
        );
        for (i, (a, b)) in before.iter().zip(type_ids(&ours)).enumerate() {
            assert!(*a == 0 || b != *a, "{what}: type id #{i} did not move");
            moved += usize::from(*a != 0);
        }
        same_ext(what, &mut ours, &mut theirs);

        // A .BTF.ext naming types past the last: EINVAL from both, ours unchanged.
        let mut bad = BtfExt::parse(&ext).unwrap();
        bad.remap_type_ids(|id| Ok::<_, ()>(if id == 0 { 0 } else { id + n }))
            .unwrap();
        let bad_raw = bad.raw_data().to_vec();
        let mut theirs = LibbpfBtfExt::new(&bad_raw).unwrap();
        let (ret, their_raw) = theirs.permute_with(&btf, &mut map.clone()).unwrap();
        assert_eq!(
            ret,
            -libc::EINVAL,
            "{what}: libbpf permute of a bad .BTF.ext"
        );
        let mut b = Btf::from_bytes(&btf).unwrap();
        let err = b.permute_with_ext(&map, Some(&mut bad)).unwrap_err();
        assert_eq!(err.errno(), libc::EINVAL, "{what}");
        same_bytes(
            &format!("{what}: BTF after a failed permute"),
            &b.raw_data(),
            &their_raw,
        );
        let w = format!("{what}: .BTF.ext after a failed permute (vs its input)");
        same_bytes(&w, bad.raw_data(), &bad_raw);
    }
    assert!(moved > 0);
    eprintln!(
        "permute with .BTF.ext of {} objects == libbpf: {moved} type ids moved",
        objects.len()
    );
}
