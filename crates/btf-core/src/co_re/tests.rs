//! Unit tests of CO-RE resolution on hand-built BTF: specs and their text, compatibility,
//! TYPE_MATCHES, every relocation kind, bitfields in both byte orders, flavours, ambiguity,
//! candidate pruning, module search, and instruction patching in both byte orders.

use std::sync::Arc;

use super::*;
use crate::ext::CoreRelo;
use crate::{Btf, Endianness, FwdKind};

const SIGNED: i32 = 1;

struct Fixture {
    local: Btf,
    targ: Btf,
}

/// Local: `struct s { int a; unsigned b:3, c:5; int arr[4]; union { int x; }; }` (32 bytes),
/// a flavour `s___v2 { int a; }`, `enum e { A = 1, B = -1 }`, `typedef struct s s_t`.
/// Target: `struct s { long pad; int a; unsigned :4, b:3, c:5; int arr[2]; struct { long p; int x; }; }`
/// (64 bytes) and `enum e { B = 5, A = 7 }`.
fn fixture() -> (Fixture, [u32; 8]) {
    let mut l = Btf::new_empty();
    let int = l.add_int("int", 4, SIGNED).unwrap();
    let uint = l.add_int("unsigned int", 4, 0).unwrap();
    let arr = l.add_array(uint, int, 4).unwrap();
    let anon = l.add_union("", 4).unwrap();
    l.add_field("x", int, 0, 0).unwrap();
    let s = l.add_struct("s", 32).unwrap();
    l.add_field("a", int, 0, 0).unwrap();
    l.add_field("b", uint, 32, 3).unwrap();
    l.add_field("c", uint, 35, 5).unwrap();
    l.add_field("arr", arr, 64, 0).unwrap();
    l.add_field("", anon, 192, 0).unwrap();
    let v2 = l.add_struct("s___v2", 4).unwrap();
    l.add_field("a", int, 0, 0).unwrap();
    let e = l.add_enum("e", 4).unwrap();
    l.add_enum_value("A", 1).unwrap();
    l.add_enum_value("B", -1).unwrap();
    let td = l.add_typedef("s_t", s).unwrap();
    let ptr = l.add_ptr(s).unwrap();

    let mut t = Btf::new_empty();
    let tint = t.add_int("int", 4, SIGNED).unwrap();
    let tuint = t.add_int("unsigned int", 4, 0).unwrap();
    let long = t.add_int("long", 8, SIGNED).unwrap();
    let tarr = t.add_array(tuint, tint, 2).unwrap();
    let tanon = t.add_struct("", 16).unwrap();
    t.add_field("p", long, 0, 0).unwrap();
    t.add_field("x", tint, 64, 0).unwrap();
    let ts = t.add_struct("s", 64).unwrap();
    t.add_field("pad", long, 0, 0).unwrap();
    t.add_field("a", tint, 64, 0).unwrap();
    t.add_field("b", tuint, 100, 3).unwrap();
    t.add_field("c", tuint, 103, 5).unwrap();
    t.add_field("arr", tarr, 128, 0).unwrap();
    t.add_field("", tanon, 192, 0).unwrap();
    let te = t.add_enum("e", 4).unwrap();
    t.add_enum_value("B", 5).unwrap();
    t.add_enum_value("A", 7).unwrap();
    (
        Fixture { local: l, targ: t },
        [s, v2, e, td, ptr, ts, te, int],
    )
}

fn relo(btf: &mut Btf, type_id: u32, access: &str, kind: u32) -> CoreRelo {
    let access_str_off = btf.add_str(access).unwrap();
    CoreRelo {
        insn_off: 0,
        type_id,
        access_str_off,
        kind,
    }
}

fn resolve(
    local: &Btf,
    targ: &Btf,
    r: &CoreRelo,
) -> (Option<ReloRes>, Option<CoreError>, Vec<String>) {
    let targets = Targets::custom(targ);
    let mut cache = CandidateCache::default();
    let res = resolve_relo(
        "p",
        0,
        local,
        r,
        &mut cache,
        &targets,
        &ResolveOptions::default(),
    );
    let lines = res.log.iter().map(|l| l.text.clone()).collect();
    (res.res, res.error, lines)
}

#[test]
fn essential_names() {
    assert_eq!(essential_name_len(b"task_struct___old"), 11);
    assert_eq!(essential_name_len(b"a___b___c"), 5);
    assert_eq!(essential_name_len(b"task_struct"), 11);
    assert_eq!(essential_name_len(b"___x"), 4);
    assert_eq!(essential_name_len(b"foo____bar"), 10);
    assert_eq!(essential_name_len(b"foo___"), 6);
}

#[test]
fn spec_parse_and_format() {
    let (mut f, [s, _, e, _, _, _, _, _]) = fixture();
    let cases = [
        ("0:1", 0, "<byte_off> [6] struct s.b (0:1 @ offset 4)", 32),
        ("0:2", 0, "<byte_off> [6] struct s.c (0:2 @ offset 4.3)", 35),
        (
            "0:3:2",
            0,
            "<byte_off> [6] struct s.arr[2] (0:3:2 @ offset 16)",
            128,
        ),
        (
            "0:4:0",
            1,
            "<byte_sz> [6] struct s.x (0:4:0 @ offset 24)",
            192,
        ),
        (
            "1:0",
            2,
            "<field_exists> [6] struct s[1].a (1:0 @ offset 32)",
            256,
        ),
    ];
    for (access, kind, text, bits) in cases {
        let r = relo(&mut f.local, s, access, kind);
        let (spec, _) = parse_spec("p", &f.local, &r);
        let spec = spec.unwrap();
        assert_eq!(
            format_spec(&spec),
            text.replace("[6]", &format!("[{s}]")),
            "{access}"
        );
        assert_eq!(spec.bit_offset, bits, "{access}");
    }
    let r = relo(&mut f.local, e, "1", 11);
    let spec = parse_spec("p", &f.local, &r).0.unwrap();
    assert_eq!(
        format_spec(&spec),
        format!("<enumval_value> [{e}] enum e::B = -1")
    );
    assert_eq!(spec.accessors[0].name, Some(&b"B"[..]));
    let r = relo(&mut f.local, s, "0", 9);
    assert_eq!(
        format_spec(&parse_spec("p", &f.local, &r).0.unwrap()),
        format!("<type_size> [{s}] struct s")
    );
}

#[test]
fn spec_errors() {
    let (mut f, [s, _, e, _, _, _, _, int]) = fixture();
    let long = vec!["0"; 65].join(":");
    let cases: Vec<(u32, &str, u32, i32)> = vec![
        (s, "", 0, EINVAL),
        (s, ":0", 0, EINVAL),
        (s, "0:", 0, EINVAL),
        (s, "0::1", 0, EINVAL),
        (s, "0:x", 0, EINVAL),
        (s, "0:9", 0, EINVAL),   // member index past vlen
        (s, "0:3:4", 0, EINVAL), // array index past nelems
        (s, "1", 9, EINVAL),     // type-based needs "0"
        (e, "2", 10, EINVAL),    // enumerator index past vlen
        (e, "0:0", 10, EINVAL),  // one enumerator only
        (s, "0", 10, EINVAL),    // enum relocation on a struct
        (s, &long, 0, E2BIG),
        (s, "0", 13, EINVAL), // unknown kind
    ];
    for (id, access, kind, errno) in cases {
        let r = relo(&mut f.local, id, access, kind);
        assert_eq!(
            parse_spec("p", &f.local, &r).0.err(),
            Some(errno),
            "{access:?} kind {kind}"
        );
    }
    // An access through a non-composite, non-array type is refused with libbpf's warning.
    let r = relo(&mut f.local, s, "0:0:1", 0);
    let (res, log) = parse_spec("p", &f.local, &r);
    assert_eq!(res.err(), Some(EINVAL));
    assert_eq!(
        log[0].text,
        format!(
            "prog 'p': relo for [{s}]  (at idx 2) captures type [{int}] of unexpected kind int"
        )
    );
}

#[test]
fn field_relocations() {
    let (mut f, [s, ..]) = fixture();
    // (access, kind) -> (orig, new)
    let cases = [
        ("0:0", 0, 0, 8),     // a: byte offset
        ("0:0", 1, 4, 4),     // a: byte size
        ("0:0", 2, 1, 1),     // exists
        ("0:0", 3, 1, 1),     // signed
        ("0:1", 0, 4, 12),    // b: bitfield byte offset (4-byte unit)
        ("0:1", 1, 4, 4),     // b: load size
        ("0:1", 3, 0, 0),     // b: unsigned
        ("0:1", 4, 61, 57),   // b: lshift (little-endian)
        ("0:1", 5, 61, 61),   // b: rshift
        ("0:2", 4, 56, 52),   // c
        ("0:3:1", 0, 12, 20), // arr[1]
        ("0:3", 1, 16, 8),    // sizeof arr
        ("0:4:0", 0, 24, 32), // x through anonymous members
    ];
    for (access, kind, orig, new) in cases {
        let r = relo(&mut f.local, s, access, kind);
        let (res, err, log) = resolve(&f.local, &f.targ, &r);
        assert!(err.is_none(), "{access} {kind}: {err:?} {log:?}");
        let res = res.unwrap();
        assert_eq!(
            (res.orig_val, res.new_val),
            (orig, new),
            "{access} kind {kind}: {log:?}"
        );
        assert!(!res.poison);
    }
    // Array index out of the target's bounds: no match; poisoned, or 0 for existence.
    let r = relo(&mut f.local, s, "0:3:3", 0);
    let (res, _, log) = resolve(&f.local, &f.targ, &r);
    assert!(res.unwrap().poison);
    assert!(
        log.iter()
            .any(|l| l == "prog 'p': relo #0: no matching targets found"),
        "{log:?}"
    );
    let r = relo(&mut f.local, s, "0:3:3", 2);
    let res = resolve(&f.local, &f.targ, &r).0.unwrap();
    assert_eq!((res.orig_val, res.new_val, res.poison), (1, 0, false));
}

#[test]
fn bitfield_shifts_big_endian() {
    let (mut f, [s, ..]) = fixture();
    let r = relo(&mut f.local, s, "0:1", 4);
    let targets = Targets::custom(&f.targ);
    let opts = ResolveOptions {
        lshift_byte_order: Endianness::Big,
    };
    let res = resolve_relo(
        "p",
        0,
        &f.local,
        &r,
        &mut CandidateCache::default(),
        &targets,
        &opts,
    );
    let res = res.res.unwrap();
    // Local: bit 32 in the 4-byte unit at 4 -> (8-4)*8 + 0; target: bit 100 in the unit at 12.
    assert_eq!((res.orig_val, res.new_val), (32, 36));
}

#[test]
fn type_and_enum_relocations() {
    let (mut f, [s, v2, e, td, _, ts, _, _]) = fixture();
    let cases = [
        (s, "0", 9, 32, 64, true),                       // type size
        (s, "0", 7, u64::from(s), u64::from(ts), false), // target type id (not validated)
        (s, "0", 6, u64::from(s), u64::from(s), false),  // local type id
        (v2, "0", 8, 1, 1, true),                        // flavour finds `s`
        (td, "0", 8, 1, 0, true),                        // no typedef s_t in the target
        (e, "1", 11, u64::MAX, 5, true),                 // B: -1 sign-extended -> 5
        (e, "0", 10, 1, 1, true),
    ];
    for (id, access, kind, orig, new, validate) in cases {
        let r = relo(&mut f.local, id, access, kind);
        let (res, err, log) = resolve(&f.local, &f.targ, &r);
        assert!(err.is_none(), "{kind}: {err:?} {log:?}");
        let res = res.unwrap();
        assert_eq!(
            (res.orig_val, res.new_val, res.validate),
            (orig, new, validate),
            "kind {kind}"
        );
    }
    // An enumerator missing from the target: ENUMVAL_VALUE poisons.
    let mut t2 = f.targ.clone();
    t2.add_enum("e___2", 4).unwrap();
    t2.add_enum_value("C", 0).unwrap();
    let r = relo(&mut f.local, e, "0", 11);
    let (res, _, log) = resolve(&f.local, &t2, &r);
    assert!(!res.unwrap().poison, "{log:?}"); // `e` still matches
}

#[test]
fn log_lines_match_libbpf_format() {
    let (mut f, [s, _, _, _, _, ts, _, _]) = fixture();
    let r = relo(&mut f.local, s, "0:0", 0);
    let (_, _, log) = resolve(&f.local, &f.targ, &r);
    assert_eq!(
        log,
        [
            format!(
                "CO-RE relocating [{s}] struct s: found target candidate [{ts}] struct s in [vmlinux]"
            ),
            format!("prog 'p': relo #0: <byte_off> [{s}] struct s.a (0:0 @ offset 0)"),
            format!(
                "prog 'p': relo #0: matching candidate #0 <byte_off> [{ts}] struct s.a (0:1 @ offset 8)"
            ),
        ]
    );
}

#[test]
fn ambiguity_and_pruning() {
    let (mut f, [s, ..]) = fixture();
    let tint = 1;
    // A second candidate `s___x` with `a` elsewhere: offsets disagree.
    let mut amb = f.targ.clone();
    amb.add_struct("s___x", 8).unwrap();
    amb.add_field("a", tint, 32, 0).unwrap();
    let r = relo(&mut f.local, s, "0:0", 0);
    let (res, err, log) = resolve(&f.local, &amb, &r);
    assert!(res.is_none());
    assert_eq!(err.unwrap().errno, EINVAL);
    assert_eq!(
        log.last().unwrap(),
        "prog 'p': relo #0: field offset ambiguity: 32 != 64"
    );

    // A second candidate without the field: not matching, and pruned from the cache.
    let mut two = f.targ.clone();
    let other = two.add_struct("s___y", 4).unwrap();
    two.add_field("zzz", tint, 0, 0).unwrap();
    let targets = Targets::custom(&two);
    let mut cache = CandidateCache::default();
    let res = resolve_relo(
        "p",
        3,
        &f.local,
        &r,
        &mut cache,
        &targets,
        &ResolveOptions::default(),
    );
    assert_eq!(res.res.unwrap().new_val, 8);
    assert_eq!(res.candidates.len(), 2);
    assert!(!res.candidates[1].matched);
    assert_eq!(res.candidates[1].candidate.type_id, other);
    assert_eq!(
        res.log
            .iter()
            .filter(|l| l.text.contains("non-matching candidate #1"))
            .count(),
        1
    );
    assert_eq!(cache.get(s).unwrap().len(), 1);

    // Same value from two candidates: no ambiguity.
    let mut same = f.targ.clone();
    same.add_struct("s___z", 16).unwrap();
    same.add_field("a", tint, 64, 0).unwrap();
    let (res, err, _) = resolve(&f.local, &same, &r);
    assert!(err.is_none());
    assert_eq!(res.unwrap().new_val, 8);
}

#[test]
fn anonymous_local_type_fails_candidate_search() {
    let (mut f, _) = fixture();
    let anon = 4; // the anonymous union
    let r = relo(&mut f.local, anon, "0:0", 0);
    let (_, err, log) = resolve(&f.local, &f.targ, &r);
    assert_eq!(err.unwrap().errno, EINVAL);
    assert_eq!(
        log[0],
        "prog 'p': relo #0: target candidate search failed for [4] union : -22"
    );
}

#[test]
fn module_search_only_without_vmlinux_candidates() {
    let (mut f, [s, ..]) = fixture();
    let mut vml = Btf::new_empty();
    vml.add_int("int", 4, SIGNED).unwrap();
    let vml = Arc::new(vml);
    let mut module = Btf::new_empty_split(vml.clone());
    let m = module.add_struct("s", 4).unwrap();
    module.add_field("a", 1, 0, 0).unwrap();
    let r = relo(&mut f.local, s, "0:0", 2);
    let kernel = Targets::kernel(&vml, vec![("mod".into(), &module)]);
    let res = resolve_relo(
        "p",
        0,
        &f.local,
        &r,
        &mut CandidateCache::default(),
        &kernel,
        &ResolveOptions::default(),
    );
    assert_eq!(
        res.target,
        Some(Candidate {
            target: 1,
            type_id: m
        })
    );
    assert!(res.log[0].text.ends_with("in [mod]"), "{:?}", res.log);
    // btf_custom_path: modules are never searched.
    let custom = Targets::custom(&vml);
    let res = resolve_relo(
        "p",
        0,
        &f.local,
        &r,
        &mut CandidateCache::default(),
        &custom,
        &ResolveOptions::default(),
    );
    assert_eq!(res.res.unwrap().new_val, 0);
    // vmlinux has a candidate: modules are not searched.
    let kernel2 = Targets::kernel(&f.targ, vec![("mod".into(), &module)]);
    let (c, _) = find_cands(&f.local, s, &kernel2);
    assert!(c.unwrap().iter().all(|c| c.target == 0));
}

/// Candidates by a scan of every type from `start` on, as `bpf_core_add_cands` finds them.
fn scanned_cands(local: &Btf, local_id: u32, targ: &Btf, start: u32) -> Vec<u32> {
    let lt = local.type_by_id(local_id).unwrap();
    let lname = local.name_of(&lt);
    let le = essential_name_len(lname);
    (start..targ.type_cnt())
        .filter(|&id| {
            let t = targ.type_by_id(id).unwrap();
            let name = targ.name_of(&t);
            kind_core_compat(&t, &lt)
                && !name.is_empty()
                && essential_name_len(name) == le
                && name[..le] == lname[..le]
        })
        .collect()
}

fn found_ids(local: &Btf, local_id: u32, targets: &Targets<'_>) -> Vec<u32> {
    let (c, _) = find_cands(local, local_id, targets);
    c.unwrap().iter().map(|c| c.type_id).collect()
}

/// The target's candidate index (by kind class and essential name) finds what a scan finds, in
/// id order, across a base chain, and sees types added after it was built.
#[test]
fn candidate_index_equals_a_scan() {
    let names = [
        "task",
        "task___a",
        "task___b",
        "task_x",
        "_task",
        "task___",
        "task____x",
        "a___b___c",
        "a___b",
        "a",
        "ta",
        "x___y_",
        "___z",
        "task___a___b",
    ];
    let fill = |b: &mut Btf, from: usize| {
        for (i, n) in names.iter().enumerate().skip(from) {
            b.add_struct(n, 4).unwrap();
            b.add_union(n, 4).unwrap();
            if i % 2 == 0 {
                b.add_enum(n, 4).unwrap();
            } else {
                b.add_enum64(n, 8, false).unwrap();
            }
            b.add_typedef(n, 1).unwrap();
            b.add_fwd(n, FwdKind::Struct).unwrap();
            b.add_int(n, 4, 0).unwrap();
        }
        b.add_struct("", 4).unwrap();
    };
    let mut local = Btf::new_empty();
    let mut locals = Vec::new();
    for n in names {
        locals.push(local.add_struct(n, 4).unwrap());
        locals.push(local.add_union(n, 4).unwrap());
        locals.push(local.add_enum(n, 4).unwrap());
        locals.push(local.add_enum64(n, 8, true).unwrap());
        locals.push(local.add_typedef(n, 1).unwrap());
        locals.push(local.add_fwd(n, FwdKind::Union).unwrap());
        locals.push(local.add_int(n, 4, 0).unwrap());
        locals.push(local.add_float(n, 4).unwrap());
    }
    let mut base = Btf::new_empty();
    fill(&mut base, 0);
    let check = |targ: &Btf, start: u32, targets: &Targets<'_>| {
        let mut total = 0;
        for &id in &locals {
            let want = scanned_cands(&local, id, targ, start);
            assert_eq!(found_ids(&local, id, targets), want, "local [{id}]");
            total += want.len();
        }
        assert!(total > 100, "{total}");
    };
    check(&base, 1, &Targets::custom(&base));
    // Built; a modification drops it, and the next search sees the new types.
    fill(&mut base, 5);
    check(&base, 1, &Targets::custom(&base));
    // Split over a base: a custom target's search covers the base's types first.
    let base = Arc::new(base);
    let mut split = Btf::new_empty_split(base.clone());
    fill(&mut split, 3);
    check(&split, 1, &Targets::custom(&split));
    // A module's own types only, after the kernel had no candidates.
    let empty = Arc::new(Btf::new_empty());
    let mut module = Btf::new_empty_split(empty.clone());
    fill(&mut module, 0);
    let kernel = Targets::kernel(&empty, vec![("m".into(), &module)]);
    check(&module, empty.type_cnt(), &kernel);
}

#[test]
fn types_match_and_compat() {
    let mut l = Btf::new_empty();
    let p = l.add_ptr(2).unwrap();
    let lh = l.add_struct("list_head", 8).unwrap();
    assert_eq!(lh, 2);
    l.add_field("next", p, 0, 0).unwrap();
    let sub = l.add_struct("list_head___m", 8).unwrap();
    l.add_field("next", p, 0, 0).unwrap();
    let u8t = l.add_int("u8", 1, 0).unwrap();
    let i8t = l.add_int("u8", 1, SIGNED).unwrap();
    let fwd = l.add_fwd("list_head", FwdKind::Struct).unwrap();
    let pf = l.add_ptr(fwd).unwrap();

    let mut t = Btf::new_empty();
    let tp = t.add_ptr(2).unwrap();
    let tlh = t.add_struct("list_head", 16).unwrap();
    t.add_field("next", tp, 0, 0).unwrap();
    t.add_field("prev", tp, 64, 0).unwrap();
    let tu8 = t.add_int("u8", 1, 0).unwrap();
    let tptr = t.add_ptr(tlh).unwrap();

    assert_eq!(types_match(&l, sub, &t, tlh), Ok(true));
    assert_eq!(types_match(&t, tlh, &l, lh), Ok(false)); // target lacks `prev`
    assert_eq!(types_match(&l, u8t, &t, tu8), Ok(true));
    assert_eq!(types_match(&l, i8t, &t, tu8), Ok(false)); // signedness
    assert_eq!(types_match(&l, pf, &t, tptr), Ok(true)); // fwd behind a pointer
    assert_eq!(types_match(&l, fwd, &t, tlh), Ok(false)); // not behind a pointer
    assert_eq!(types_are_compat(&l, i8t, &t, tu8), Ok(true));
    assert_eq!(types_are_compat(&l, pf, &t, tptr), Ok(false)); // fwd vs struct kinds
    assert_eq!(types_are_compat(&l, sub, &t, tlh), Ok(true));

    // TYPE_MATCHES through resolve_relo.
    let access = l.add_str("0").unwrap();
    let r = CoreRelo {
        insn_off: 8,
        type_id: sub,
        access_str_off: access,
        kind: 12,
    };
    let (res, _, log) = resolve(&l, &t, &r);
    assert_eq!(res.unwrap().new_val, 1, "{log:?}");
}

fn insn(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> Insn {
    Insn {
        code,
        dst_reg: dst,
        src_reg: src,
        off,
        imm,
    }
}

#[test]
fn insn_bytes_both_orders() {
    let i = insn(0x61, 1, 2, -8, 0x1234_5678);
    let le = i.to_bytes(Endianness::Little);
    let be = i.to_bytes(Endianness::Big);
    assert_eq!(le, [0x61, 0x21, 0xf8, 0xff, 0x78, 0x56, 0x34, 0x12]);
    assert_eq!(be, [0x61, 0x12, 0xff, 0xf8, 0x12, 0x34, 0x56, 0x78]);
    assert_eq!(Insn::from_bytes(le, Endianness::Little), i);
    assert_eq!(Insn::from_bytes(be, Endianness::Big), i);
}

#[test]
fn patching() {
    let res = |orig, new| ReloRes {
        orig_val: orig,
        new_val: new,
        validate: true,
        ..ReloRes::default()
    };
    for order in [Endianness::Little, Endianness::Big] {
        // LDX off, with a safe memory-size change 8 -> 4.
        let ldx = insn(0x79, 1, 2, 16, 0).to_bytes(order);
        let mut r = res(16, 24);
        r.orig_sz = 8;
        r.new_sz = 4;
        let out = patch_insn_bytes("p", 3, 1, &r, &ldx, order);
        assert_eq!(
            out.result,
            Ok(Patched::MemOff {
                orig: 16,
                new: 24,
                mem_sz: Some((8, 4))
            })
        );
        let mut a = [0u8; 8];
        a.copy_from_slice(&out.bytes);
        assert_eq!(Insn::from_bytes(a, order), insn(0x61, 1, 2, 24, 0));
        assert_eq!(
            out.log[0].text,
            "prog 'p': relo #1: patched insn #3 (LDX/ST/STX) off 16 -> 24"
        );
        assert_eq!(
            out.log[1].text,
            "prog 'p': relo #1: patched insn #3 (LDX/ST/STX) mem_sz 8 -> 4"
        );

        // Wrong expected value, value too big, unsafe size change (poisoned).
        let out = patch_insn_bytes("p", 3, 1, &res(8, 24), &ldx, order);
        assert_eq!(out.result.unwrap_err().errno, EINVAL);
        assert_eq!(
            out.log[0].text,
            "prog 'p': relo #1: unexpected insn #3 (LDX/ST/STX) value: got 16, exp 8 -> 24"
        );
        let out = patch_insn_bytes("p", 3, 1, &res(16, 40000), &ldx, order);
        assert_eq!(out.result.unwrap_err().errno, ERANGE);
        let mut bad = res(16, 24);
        bad.fail_memsz_adjust = true;
        let out = patch_insn_bytes("p", 3, 1, &bad, &ldx, order);
        assert_eq!(out.result, Ok(Patched::Poisoned { ldimm64: false }));
        a.copy_from_slice(&out.bytes);
        assert_eq!(Insn::from_bytes(a, order), insn(0x85, 0, 0, 0, 0x0bad_2310));

        // ALU imm; ALU with a register source is refused.
        let alu = insn(0x07, 1, 0, 0, 4).to_bytes(order);
        let out = patch_insn_bytes("p", 0, 0, &res(4, 12), &alu, order);
        assert_eq!(out.result, Ok(Patched::AluImm { orig: 4, new: 12 }));
        let alux = insn(0x0f, 1, 2, 0, 4).to_bytes(order);
        assert!(
            patch_insn_bytes("p", 0, 0, &res(4, 12), &alux, order)
                .result
                .is_err()
        );

        // LD_IMM64: both halves; poisoning replaces both.
        let mut ld = insn(0x18, 1, 0, 0, 5).to_bytes(order).to_vec();
        ld.extend(insn(0, 0, 0, 0, 0).to_bytes(order));
        let out = patch_insn_bytes("p", 7, 2, &res(5, 0x1_0000_0002), &ld, order);
        assert_eq!(
            out.result,
            Ok(Patched::LdImm64 {
                orig: 5,
                new: 0x1_0000_0002
            })
        );
        let mut hi = [0u8; 8];
        hi.copy_from_slice(&out.bytes[8..]);
        assert_eq!(Insn::from_bytes(hi, order).imm, 1);
        let mut p = res(5, 0);
        p.poison = true;
        let out = patch_insn_bytes("p", 7, 2, &p, &ld, order);
        let texts: Vec<_> = out.log.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "prog 'p': relo #2: substituting insn #8 w/ invalid insn",
                "prog 'p': relo #2: substituting insn #7 w/ invalid insn"
            ]
        );
        // A jump is not relocatable.
        let jmp = insn(0x05, 0, 0, 3, 0).to_bytes(order);
        let out = patch_insn_bytes("p", 1, 0, &res(0, 1), &jmp, order);
        assert_eq!(out.result.unwrap_err().errno, EINVAL);
        assert_eq!(
            out.log[0].text,
            "prog 'p': relo #0: trying to relocate unrecognized insn #1, code:0x5, src:0x0, dst:0x0, off:0x3, imm:0x0"
        );
    }
}

#[test]
fn relocate_object_skips_and_stops() {
    let (mut f, [s, ..]) = fixture();
    let good = relo(&mut f.local, s, "0:0", 0);
    let bad = relo(&mut f.local, s, "0:9", 0);
    let ldx = insn(0x61, 1, 2, 0, 0).to_bytes(Endianness::Little).to_vec();
    let site = |relo: CoreRelo, prog: bool| ReloSite {
        relo,
        prog: prog.then(|| ProgSite {
            name: "f".into(),
            insn_idx: 0,
            autoload: true,
            insn: ldx.clone(),
        }),
    };
    let sections = [ReloSection {
        name: "kprobe/x".into(),
        relos: vec![
            site(good, true),
            site(good, false),
            site(bad, true),
            site(good, true),
        ],
    }];
    let targets = Targets::custom(&f.targ);
    let rep = relocate_object(&f.local, &sections, &targets, &ResolveOptions::default());
    assert_eq!(rep.outcomes.len(), 3); // stops at the failing one
    assert_eq!(rep.error.as_ref().unwrap().errno, EINVAL);
    let texts: Vec<_> = rep.log.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(texts[0], "sec 'kprobe/x': found 4 CO-RE relocations");
    assert!(texts.contains(&"sec 'kprobe/x': skipping CO-RE relocation #1 for insn #0 belonging to eliminated weak subprogram"));
    let parsing = format!("prog 'f': relo #2: parsing [{s}] struct s + 0:9 failed: -22");
    assert!(texts.contains(&parsing.as_str()), "{texts:?}");
    assert_eq!(
        *texts.last().unwrap(),
        "prog 'f': relo #2: failed to relocate: -EINVAL"
    );
}
