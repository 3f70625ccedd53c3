//! Unit tests of dedup on small hand-made objects: results worked out by hand from libbpf 1.7.0's
//! rules (the byte-for-byte comparison with libbpf itself is btf-difftest's
//! `dedup_differential`), failures, and robustness on garbage.

use std::sync::Arc;

use super::DedupOptions;
use crate::model::btf::Btf;
use crate::model::raw::Kind;
use crate::testutil::ext_bytes;
use crate::write::FwdKind;

fn dedup(btf: &mut Btf) -> crate::Result<()> {
    btf.dedup(&DedupOptions::new())
}

fn kinds(btf: &Btf) -> Vec<u32> {
    btf.types().map(|t| t.kind_raw()).collect()
}

/// `int` and a list node pointing at itself through a pointer.
fn add_unit(b: &mut Btf) {
    let int = b.add_int("int", 4, 1).unwrap();
    let node = b.add_struct("node", 16).unwrap();
    b.add_field("val", int, 0, 0).unwrap();
    b.add_field("next", node + 1, 64, 0).unwrap();
    b.add_ptr(node).unwrap();
}

#[test]
fn duplicate_units_collapse_onto_the_first() {
    let mut b = Btf::new_empty();
    add_unit(&mut b);
    let first = b.raw_data().into_owned();
    add_unit(&mut b);
    add_unit(&mut b);
    assert_eq!(b.type_cnt(), 10);
    dedup(&mut b).unwrap();
    assert_eq!(b.type_cnt(), 4);
    // Made by `new_empty`: strings are already unique and kept as they are, so the bytes are those
    // of the first unit alone.
    assert_eq!(b.raw_data(), first);
    // Deduping again changes nothing.
    dedup(&mut b).unwrap();
    assert_eq!(b.raw_data(), first);
}

#[test]
fn forward_declaration_resolves_to_struct() {
    let mut b = Btf::new_empty();
    let int = b.add_int("int", 4, 1).unwrap(); // 1
    let fwd = b.add_fwd("foo", FwdKind::Struct).unwrap(); // 2
    let p = b.add_ptr(fwd).unwrap(); // 3
    b.add_struct("user", 8).unwrap(); // 4
    b.add_field("f", p, 0, 0).unwrap();
    let foo = b.add_struct("foo", 4).unwrap(); // 5
    b.add_field("a", int, 0, 0).unwrap();
    let p2 = b.add_ptr(foo).unwrap(); // 6
    b.add_struct("user", 8).unwrap(); // 7
    b.add_field("f", p2, 0, 0).unwrap();
    dedup(&mut b).unwrap();
    // int, ptr -> foo, user, foo: the FWD and the second pointer and user are gone.
    let k = |k: Kind| k as u32;
    assert_eq!(
        kinds(&b),
        [k(Kind::Int), k(Kind::Ptr), k(Kind::Struct), k(Kind::Struct)]
    );
    let ptr = b.type_by_id(2).unwrap();
    assert_eq!(ptr.type_id(), 4);
    assert_eq!(b.name_of(&b.type_by_id(4).unwrap()), b"foo");
}

#[test]
fn vars_and_datasecs_stay() {
    let mut b = Btf::new_empty();
    let int = b.add_int("int", 4, 1).unwrap();
    b.add_var("v", 1, int).unwrap();
    b.add_var("v", 1, int).unwrap();
    let int2 = b.add_int("int", 4, 1).unwrap();
    b.add_var("v", 1, int2).unwrap();
    dedup(&mut b).unwrap();
    assert_eq!(b.type_cnt(), 5);
    assert!(
        b.types()
            .skip(1)
            .all(|t| t.is(Kind::Var) && t.type_id() == 1)
    );
}

#[test]
fn parsed_strings_are_compacted() {
    // Raw BTF with a duplicate and an unused string: "\0int\0unused\0int\0".
    let strings = b"\0int\0unused\0int\0";
    let words: [u32; 8] = [
        1,
        (Kind::Int as u32) << 24,
        4,
        32,
        12,
        (Kind::Int as u32) << 24,
        4,
        32,
    ];
    let mut raw = Vec::new();
    raw.extend_from_slice(&0xeb9fu16.to_ne_bytes());
    raw.extend_from_slice(&[1, 0]);
    for v in [24u32, 0, 32, 32, strings.len() as u32] {
        raw.extend_from_slice(&v.to_ne_bytes());
    }
    raw.extend(words.iter().flat_map(|w| w.to_ne_bytes()));
    raw.extend_from_slice(strings);
    let mut b = Btf::from_bytes(&raw).unwrap();
    dedup(&mut b).unwrap();
    assert_eq!(b.type_cnt(), 2);
    assert_eq!(b.strings_section(), b"\0int\0");
    assert_eq!(b.header().str_len, 5);
    assert_eq!(b.header().type_len, 16);
    assert_eq!(b.find_str("int"), Some(1));
}

#[test]
fn split_collapses_onto_base_and_leaves_it_alone() {
    let mut base = Btf::new_empty();
    add_unit(&mut base);
    let base_raw = base.raw_data().into_owned();
    let base = Arc::new(base);
    let mut split = Btf::new_empty_split(Arc::clone(&base));
    add_unit(&mut split);
    let long = split.add_int("long", 8, 1).unwrap();
    split.add_ptr(long).unwrap();
    dedup(&mut split).unwrap();
    assert_eq!(base.raw_data(), base_raw);
    // Only `long` and its pointer remain; the pointer refers to the new id of `long`.
    assert_eq!(split.nr_types(), 2);
    assert_eq!(split.type_by_id(5).unwrap().type_id(), 4);
    assert_eq!(split.name_of(&split.type_by_id(4).unwrap()), b"long");
}

#[test]
fn reference_loop_is_eloop_and_leaves_types() {
    let mut b = Btf::new_empty();
    b.add_ptr(2).unwrap();
    b.add_const(1).unwrap();
    let before = b.raw_data().into_owned();
    let e = dedup(&mut b).unwrap_err();
    assert_eq!(e.errno(), 40);
    assert_eq!(b.raw_data(), before);
}

#[test]
fn endless_comparison_is_an_error_not_a_hang() {
    // struct S { P a; P b; } with P a pointer to itself, and a copy whose two members are two
    // distinct self-pointers: the graph walk compares the two pointer chains forever in libbpf.
    let mut b = Btf::new_empty();
    b.add_ptr(1).unwrap(); // 1
    b.add_struct("S", 16).unwrap(); // 2
    b.add_field("a", 1, 0, 0).unwrap();
    b.add_field("b", 1, 64, 0).unwrap();
    b.add_ptr(3).unwrap(); // 3
    b.add_ptr(4).unwrap(); // 4
    b.add_struct("S", 16).unwrap(); // 5
    b.add_field("a", 3, 0, 0).unwrap();
    b.add_field("b", 4, 64, 0).unwrap();
    let e = dedup(&mut b).unwrap_err();
    assert_eq!(e.errno(), 40);
    assert!(e.message().contains("would not terminate"), "{e}");
}

#[test]
fn exponential_comparison_is_cut_short() {
    // struct S { L a; L b; } and a copy whose members are two distinct but identical 10-level
    // ladders of structs, each level with eight members all of the next level's type: comparing
    // the two ladders member by member (as the walk must, on meeting both where the first copy
    // had one) takes 8^9 steps, which libbpf makes; btf-core stops at its budget.
    let mut b = Btf::new_empty();
    let s = b.add_struct("S", 16).unwrap(); // 1
    b.add_field("a", 3, 0, 0).unwrap();
    b.add_field("b", 3, 64, 0).unwrap();
    b.add_struct("S", 16).unwrap(); // 2
    b.add_field("a", 4, 0, 0).unwrap();
    b.add_field("b", 5, 64, 0).unwrap();
    assert_eq!(s, 1);
    // Three ladders with tops 3, 4, 5; level k of ladder j is type 3 + 3 * k + j.
    let int = 3 + 3 * 10;
    for k in 0..10u32 {
        for _ in 0..3 {
            let id = b.add_struct("L", 64).unwrap();
            let next = if k == 9 { int } else { id + 3 };
            for m in 0..8 {
                b.add_field(format!("m{m}"), next, m * 64, 0).unwrap();
            }
        }
    }
    assert_eq!(b.add_int("int", 4, 1).unwrap(), int);
    // The step cap ends the walk (libbpf would grind through it): ELOOP, not a hang.
    let e = dedup(&mut b).unwrap_err();
    assert_eq!(e.errno(), 40);
}

#[test]
fn dangling_references_are_refused() {
    let mut b = Btf::new_empty();
    b.add_int("int", 4, 1).unwrap();
    b.add_ptr(1000).unwrap();
    assert_eq!(dedup(&mut b).unwrap_err().errno(), 22);
}

#[test]
fn force_collisions_gives_the_same_bytes() {
    let build = || {
        let mut b = Btf::new_empty();
        for _ in 0..3 {
            add_unit(&mut b);
            let e = b.add_enum("e", 4).unwrap();
            b.add_enum_value("A", 1).unwrap();
            b.add_ptr(e).unwrap();
            b.add_fwd("e", FwdKind::Enum).unwrap();
        }
        b
    };
    let mut plain = build();
    let mut forced = build();
    dedup(&mut plain).unwrap();
    forced
        .dedup(&DedupOptions::new().force_collisions(true))
        .unwrap();
    assert_eq!(plain.raw_data(), forced.raw_data());
}

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u32 {
        (self.next() % n.max(1)) as u32
    }
}

/// Random objects from the write API — references anywhere (often to themselves or ahead,
/// sometimes nowhere), few names so that much collides — must dedup to `Ok` or `Err`, never panic
/// or hang, and when `Ok` give an object that references only existing types.
#[test]
fn garbage_never_panics() {
    let mut rng = Rng(0x6761_7262);
    let names = ["", "a", "b", "s"];
    let (mut ok, mut failed) = (0, 0);
    for round in 0..3000 {
        let mut base = Btf::new_empty();
        let split_round = round % 3 == 0;
        let n = 2 + rng.below(24);
        let fill = |b: &mut Btf, rng: &mut Rng, n: u32| {
            for _ in 0..n {
                let cnt = u64::from(b.type_cnt()) + 4;
                let mut id = || {
                    if rng.below(50) == 0 {
                        rng.below(1 << 20)
                    } else {
                        rng.below(cnt)
                    }
                };
                let (t1, t2) = (id(), id());
                let name = names[rng.below(4) as usize];
                let _ = match rng.below(16) {
                    0 => b.add_int(if name.is_empty() { "i" } else { name }, 4, 1),
                    1 => b.add_ptr(t1),
                    2 => b.add_const(t1),
                    3 => b.add_typedef("t", t1),
                    4 => b.add_array(t1, t2, 2),
                    5 | 6 => b.add_struct(name, 8).and_then(|s| {
                        b.add_field("x", t1, 0, 0)?;
                        b.add_field("y", t2, 32, 0)?;
                        Ok(s)
                    }),
                    7 => b.add_union(name, 8).and_then(|s| {
                        b.add_field("x", t1, 0, 0)?;
                        Ok(s)
                    }),
                    8 => b.add_fwd(if name.is_empty() { "s" } else { name }, FwdKind::Struct),
                    9 => b.add_enum(name, 4).and_then(|e| {
                        if t1 % 2 == 0 {
                            b.add_enum_value("A", i64::from(t2 % 3))?;
                        }
                        Ok(e)
                    }),
                    10 => b.add_func_proto(t1).and_then(|p| {
                        b.add_func_param("p", t2)?;
                        Ok(p)
                    }),
                    11 => b.add_func("f", t1, 1),
                    12 => b.add_var("v", 0, t1),
                    13 => b.add_datasec(".d", 8).and_then(|d| {
                        b.add_datasec_var_info(t1, 0, 4)?;
                        Ok(d)
                    }),
                    14 => b.add_decl_tag("tag", t1, -1),
                    _ => b.add_type_tag("tt", t1),
                };
            }
        };
        fill(&mut base, &mut rng, n);
        let opts = DedupOptions::new().force_collisions(round % 7 == 0);
        let mut target = if split_round {
            let base = Arc::new(base);
            let mut split = Btf::new_empty_split(base);
            let m = 1 + rng.below(16);
            fill(&mut split, &mut rng, m);
            split
        } else {
            base
        };
        if target.dedup(&opts).is_err() {
            failed += 1;
        } else {
            ok += 1;
            let cnt = target.type_cnt();
            for t in target.types() {
                let positions = crate::model::fields::field_positions(
                    t.kind_raw(),
                    t.vlen(),
                    crate::model::fields::FieldKind::TypeIds,
                )
                .expect("known kind");
                for p in positions {
                    assert!(t.words()[p] < cnt, "round {round}: dangling id after dedup");
                }
            }
        }
    }
    // Both outcomes are well represented.
    assert!(ok > 300 && failed > 300, "{ok} ok, {failed} failed");
}

#[test]
fn ext_follows_deduped_types_and_strings() {
    use crate::ext::BtfExt;
    let mut b = Btf::new_empty();
    let unit = |b: &mut Btf| {
        add_unit(b); // int, node, ptr
        let proto = b.add_func_proto(1).unwrap();
        b.add_func("f", 0, proto).unwrap()
    };
    let f1 = unit(&mut b); // 5
    let f2 = unit(&mut b); // 10
    let names = ["sec", "file.c", "return 0;", "0:1"].map(|s| b.add_str(s).unwrap());
    // Parsed back, the strings are not known to be unique and are deduplicated too.
    let mut b = Btf::from_bytes(&b.raw_data()).unwrap();
    let bytes = ext_bytes(names[0], &[f2, f1], names[1], names[2], 7, names[3]);
    let mut ext = BtfExt::parse(&bytes).unwrap();

    // A type id that does not exist: nothing changes.
    let raw_before = b.raw_data().into_owned();
    let mut bad = BtfExt::parse(&ext_bytes(names[0], &[f2, 99], 0, 0, 0, 0)).unwrap();
    let bad_before = bad.raw_data().to_vec();
    let err = b
        .dedup_with_ext(&DedupOptions::new(), Some(&mut bad))
        .unwrap_err();
    assert_eq!(err.errno(), 22); // EINVAL
    assert_eq!(b.raw_data(), raw_before);
    assert_eq!(bad.raw_data(), bad_before);

    b.dedup_with_ext(&DedupOptions::new(), Some(&mut ext))
        .unwrap();
    assert_eq!(b.type_cnt(), 6);
    let funcs: Vec<u32> = ext
        .func_info()
        .next()
        .unwrap()
        .records()
        .map(|r| r.type_id)
        .collect();
    assert_eq!(funcs, [5, 5]);
    let relo = ext.core_relo().next().unwrap().records().next().unwrap();
    assert_eq!(relo.type_id, 2); // the second `node` is the first
    let line = ext.line_info().next().unwrap().records().next().unwrap();
    let s = |off: u32| b.str_by_offset(off).unwrap().to_bytes().to_vec();
    assert_eq!(s(ext.func_info().next().unwrap().sec_name_off()), b"sec");
    assert_eq!(s(line.file_name_off), b"file.c");
    assert_eq!(s(line.line_off), b"return 0;");
    assert_eq!(s(relo.access_str_off), b"0:1");
    // The types' strings first, then the ext's in the order it refers to them.
    assert_eq!(
        b.strings_section(),
        b"\0int\0node\0val\0next\0f\0sec\0file.c\0return 0;\x000:1\0"
    );
}

#[test]
fn dedup_without_ext_drops_strings_only_the_ext_uses() {
    let mut b = Btf::new_empty();
    add_unit(&mut b);
    b.add_str("only.c").unwrap();
    let mut b = Btf::from_bytes(&b.raw_data()).unwrap();
    dedup(&mut b).unwrap();
    assert_eq!(b.find_str("only.c"), None);
}
