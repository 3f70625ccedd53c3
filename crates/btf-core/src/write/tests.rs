//! Writer unit tests, after the scenarios of libbpf's btf_write, btf_permute, btf_split and
//! btf_endian selftests (our own words and fixtures), asserting bpftool-format text of the result.

use std::sync::Arc;

use crate::testutil::ext_bytes;
use crate::{Btf, BtfExt, Endianness, ErrorKind, FwdKind, text};

const EINVAL: i32 = 22;
const E2BIG: i32 = 7;

fn dump(btf: &Btf) -> String {
    let mut out = Vec::new();
    text::write_raw_dump(&mut out, btf).unwrap();
    String::from_utf8(out).unwrap()
}

fn dump_type(btf: &Btf, id: u32) -> String {
    let mut out = Vec::new();
    text::write_raw_type(&mut out, btf, &btf.type_by_id(id).unwrap()).unwrap();
    String::from_utf8(out).unwrap().trim_end().to_string()
}

/// Builds the kitchen-sink BTF of the btf_write scenario: every add_* once, checked as it goes.
fn gen_btf(btf: &mut Btf) {
    let start = btf.type_cnt() - 1;
    let id = |n: u32| start + n;
    assert_eq!(btf.find_str("int"), None);
    let off = btf.add_str("int").unwrap();
    assert_eq!(btf.find_str("int"), Some(off));
    assert_eq!(btf.add_str("int").unwrap(), off, "interned");

    assert_eq!(btf.add_int("int", 4, 1).unwrap(), id(1));
    assert_eq!(btf.add_int("bad", 7, 0).unwrap_err().errno(), EINVAL);
    assert_eq!(btf.add_int("bad", 4, 123).unwrap_err().errno(), EINVAL);
    assert_eq!(btf.add_int("", 4, 0).unwrap_err().errno(), EINVAL);
    assert_eq!(btf.add_ptr(id(1)).unwrap(), id(2));
    assert_eq!(btf.add_const(id(5)).unwrap(), id(3)); // forward reference is allowed
    assert_eq!(btf.add_volatile(id(3)).unwrap(), id(4));
    assert_eq!(btf.add_restrict(id(4)).unwrap(), id(5));
    assert_eq!(btf.add_array(id(1), id(2), 10).unwrap(), id(6));
    assert_eq!(
        dump_type(btf, id(6)),
        format!(
            "[{}] ARRAY '(anon)' type_id={} index_type_id={} nr_elems=10",
            id(6),
            id(2),
            id(1)
        )
    );

    assert_eq!(
        btf.add_field("f", id(1), 0, 0).unwrap_err().errno(),
        EINVAL,
        "no struct yet"
    );
    assert_eq!(btf.add_struct("s1", 8).unwrap(), id(7));
    btf.add_field("f1", id(1), 0, 0).unwrap();
    btf.add_field("f2", id(1), 32, 16).unwrap();
    assert_eq!(
        dump_type(btf, id(7)),
        format!(
            "[{0}] STRUCT 's1' size=8 vlen=2\n\t'f1' type_id={1} bits_offset=0\n\t'f2' type_id={1} bits_offset=32 bitfield_size=16",
            id(7),
            id(1)
        )
    );
    assert!(
        btf.type_by_id(id(7)).unwrap().kflag(),
        "a bitfield sets the kind flag"
    );

    assert_eq!(btf.add_union("u1", 8).unwrap(), id(8));
    assert_eq!(
        btf.add_field("f1", id(1), 1, 0).unwrap_err().errno(),
        EINVAL,
        "union offset must be 0"
    );
    btf.add_field("f1", id(1), 0, 16).unwrap();

    assert_eq!(btf.add_enum("e1", 4).unwrap(), id(9));
    btf.add_enum_value("v1", 1).unwrap();
    btf.add_enum_value("v2", 2).unwrap();
    assert_eq!(
        btf.add_enum_value("v3", 1 << 40).unwrap_err().errno(),
        E2BIG
    );
    assert_eq!(btf.add_enum_value("", 1).unwrap_err().errno(), EINVAL);

    assert_eq!(btf.add_fwd("str_fwd", FwdKind::Struct).unwrap(), id(10));
    assert_eq!(btf.add_fwd("union_fwd", FwdKind::Union).unwrap(), id(11));
    assert_eq!(btf.add_fwd("enum_fwd", FwdKind::Enum).unwrap(), id(12));
    assert_eq!(
        dump_type(btf, id(11)),
        format!("[{}] FWD 'union_fwd' fwd_kind=union", id(11))
    );
    assert_eq!(
        dump_type(btf, id(12)),
        format!(
            "[{}] ENUM 'enum_fwd' encoding=UNSIGNED size=4 vlen=0",
            id(12)
        )
    );

    assert_eq!(btf.add_typedef("typedef1", id(1)).unwrap(), id(13));
    assert_eq!(btf.add_typedef("", id(1)).unwrap_err().errno(), EINVAL);

    assert_eq!(btf.add_func_proto(id(1)).unwrap(), id(14));
    btf.add_func_param("p1", id(1)).unwrap();
    btf.add_func_param("p2", id(2)).unwrap();
    assert_eq!(
        btf.add_func("func1", crate::FUNC_GLOBAL, id(14)).unwrap(),
        id(15)
    );
    assert_eq!(
        btf.add_func("func2", 3, id(14)).unwrap_err().errno(),
        EINVAL
    );
    assert_eq!(
        dump_type(btf, id(15)),
        format!(
            "[{}] FUNC 'func1' type_id={} linkage=global",
            id(15),
            id(14)
        )
    );

    assert_eq!(
        btf.add_var("var1", crate::VAR_GLOBAL_ALLOCATED, id(1))
            .unwrap(),
        id(16)
    );
    assert_eq!(btf.add_datasec("datasec1", 12).unwrap(), id(17));
    btf.add_datasec_var_info(id(1), 4, 8).unwrap();
    assert_eq!(btf.add_decl_tag("tag1", id(16), -1).unwrap(), id(18));
    assert_eq!(btf.add_decl_tag("tag2", id(14), 1).unwrap(), id(19));
    assert_eq!(
        btf.add_decl_tag("tag3", id(14), -2).unwrap_err().errno(),
        EINVAL
    );
    assert_eq!(btf.add_type_tag("tag1", id(1)).unwrap(), id(20));

    assert_eq!(btf.add_enum64("e1", 8, true).unwrap(), id(21));
    btf.add_enum64_value("v1", -1i64 as u64).unwrap();
    btf.add_enum64_value("v2", 0x1_2345_6789).unwrap();
    assert_eq!(btf.add_enum64("e1", 8, false).unwrap(), id(22));
    btf.add_enum64_value("v1", u64::MAX).unwrap();
    assert_eq!(
        dump_type(btf, id(21)),
        format!(
            "[{}] ENUM64 'e1' encoding=SIGNED size=8 vlen=2\n\t'v1' val=-1LL\n\t'v2' val=4886718345LL",
            id(21)
        )
    );
    assert_eq!(
        dump_type(btf, id(22)),
        format!(
            "[{}] ENUM64 'e1' encoding=UNSIGNED size=8 vlen=1\n\t'v1' val=18446744073709551615ULL",
            id(22)
        )
    );
}

#[test]
fn add_every_kind_with_checks() {
    let mut btf = Btf::new_empty();
    gen_btf(&mut btf);
    assert_eq!(btf.type_cnt(), 23);
    assert_eq!(
        btf.str_bytes(1).unwrap(),
        b"int",
        "first string at offset 1"
    );
    // The built object re-parses to the same types.
    let again = Btf::from_bytes(&btf.raw_data()).unwrap();
    assert_eq!(dump(&again), dump(&btf));
    // Lookups stay right after additions, including on an index built mid-way.
    assert_eq!(
        btf.find_by_name_kind(b"e1", crate::Kind::Enum64 as u32),
        Some(21)
    );
    btf.add_struct("late", 4).unwrap();
    assert_eq!(btf.find_by_name(b"late"), Some(23));
}

#[test]
fn negative_enum_value_makes_enum_signed() {
    let mut btf = Btf::new_empty();
    btf.add_enum("e", 4).unwrap();
    btf.add_enum_value("a", 1).unwrap();
    assert!(!btf.type_by_id(1).unwrap().kflag());
    btf.add_enum_value("b", -1).unwrap();
    assert!(btf.type_by_id(1).unwrap().kflag());
    assert_eq!(
        dump_type(&btf, 1),
        "[1] ENUM 'e' encoding=SIGNED size=4 vlen=2\n\t'a' val=1\n\t'b' val=-1"
    );
}

#[test]
fn add_btf_appends_with_remapped_ids() {
    let mut a = Btf::new_empty();
    gen_btf(&mut a);
    let mut b = Btf::new_empty();
    gen_btf(&mut b);
    let text_b = dump(&b);
    assert_eq!(a.add_btf(&b).unwrap(), 23);
    assert_eq!(a.type_cnt(), 45);
    // Every added type reads like b's with ids shifted by 22.
    let shifted = Btf::from_bytes(&a.raw_data()).unwrap();
    assert_eq!(dump_type(&shifted, 24), "[24] PTR '(anon)' type_id=23");
    assert_eq!(dump_type(&b, 2), "[2] PTR '(anon)' type_id=1");
    assert!(text_b.contains("[2] PTR"));
    // Strings were interned, not duplicated.
    assert_eq!(a.strings_section().len(), b.strings_section().len());
}

#[test]
fn add_btf_of_splits_over_a_shared_base() {
    let mut base = Btf::new_empty();
    base.add_int("int", 4, 1).unwrap(); // [1]
    base.add_ptr(1).unwrap(); // [2]
    let base = Arc::new(base);
    let make = |name: &str| {
        let mut s = Btf::new_empty_split(base.clone());
        s.add_typedef(name, 1).unwrap(); // [3]
        s.add_ptr(3).unwrap(); // [4]
        s.add_const(2).unwrap(); // [5]
        s
    };
    let (s1, s2) = (make("t1"), make("t2"));
    let mut all = Btf::new_empty_split(base.clone());
    assert_eq!(all.add_btf(&s1).unwrap(), 3);
    assert_eq!(all.add_btf(&s2).unwrap(), 6);
    assert_eq!(dump_type(&all, 7), "[7] PTR '(anon)' type_id=6");
    assert_eq!(
        dump_type(&all, 8),
        "[8] CONST '(anon)' type_id=2",
        "base references untouched"
    );
    // A split over another base cannot be appended.
    let other = Arc::new(Btf::new_empty());
    let foreign = Btf::new_empty_split(other);
    let err = all.add_btf(&foreign).unwrap_err();
    assert_eq!(err.errno(), 95);
    assert_eq!(all.type_cnt(), 9, "unchanged");
}

#[test]
fn add_type_copies_one_record_and_its_strings() {
    let mut src = Btf::new_empty();
    gen_btf(&mut src);
    let mut dst = Btf::new_empty();
    dst.add_str("other").unwrap();
    let t = src.type_by_id(7).unwrap();
    assert_eq!(dst.add_type(&src, &t).unwrap(), 1);
    assert_eq!(
        dump_type(&dst, 1),
        "[1] STRUCT 's1' size=8 vlen=2\n\t'f1' type_id=1 bits_offset=0\n\t'f2' type_id=1 bits_offset=32 bitfield_size=16"
    );
    // Copying within the same object.
    let rec = dst.type_by_id(1).unwrap().words().to_vec();
    assert_eq!(dst.add_type_record(None, &rec).unwrap(), 2);
    assert_eq!(dst.type_by_id(2).unwrap().words(), &rec[..]);
}

#[test]
fn permute_base_and_split() {
    let mut btf = Btf::new_empty();
    btf.add_int("int", 4, 1).unwrap(); // [1]
    btf.add_ptr(1).unwrap(); // [2]
    btf.add_struct("s", 8).unwrap(); // [3]
    btf.add_field("p", 2, 0, 0).unwrap();
    let before = btf.clone();
    for bad in [
        &[1u32, 3, 2, 1][..],
        &[0, 1, 2],
        &[0, 1, 1, 2],
        &[0, 1, 2, 4],
    ] {
        assert_eq!(btf.permute(bad).unwrap_err().errno(), EINVAL, "{bad:?}");
        assert_eq!(dump(&btf), dump(&before), "unchanged after {bad:?}");
    }
    btf.permute(&[0, 3, 1, 2]).unwrap(); // int→3, ptr→1, s→2
    assert_eq!(
        dump(&btf),
        "[1] PTR '(anon)' type_id=3\n[2] STRUCT 's' size=8 vlen=1\n\t'p' type_id=1 bits_offset=0\n[3] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n"
    );
    assert_eq!(btf.find_by_name(b"int"), Some(3));

    let base = Arc::new(before);
    let mut split = Btf::new_empty_split(base);
    split.add_ptr(3).unwrap(); // [4]
    split.add_const(4).unwrap(); // [5]
    assert_eq!(split.permute(&[4, 5, 6]).unwrap_err().errno(), EINVAL);
    assert_eq!(split.permute(&[5, 5]).unwrap_err().errno(), EINVAL);
    // A `.BTF.ext` naming a type past the last: nothing changes.
    let mut bad = BtfExt::parse(&ext_bytes(1, &[4, 6], 0, 0, 5, 0)).unwrap();
    let bad_raw = bad.raw_data().to_vec();
    let split_before = dump(&split);
    let err = split.permute_with_ext(&[5, 4], Some(&mut bad)).unwrap_err();
    assert_eq!(err.errno(), EINVAL);
    assert_eq!(dump(&split), split_before);
    assert_eq!(bad.raw_data(), &bad_raw[..]);
    // Void and base ids stay, own ids follow their types.
    let mut ext = BtfExt::parse(&ext_bytes(1, &[4, 0, 3, 5], 0, 0, 5, 0)).unwrap();
    split.permute_with_ext(&[5, 4], Some(&mut ext)).unwrap();
    assert_eq!(
        dump(&split),
        "[4] CONST '(anon)' type_id=5\n[5] PTR '(anon)' type_id=3\n"
    );
    let funcs: Vec<u32> = ext
        .func_info()
        .next()
        .unwrap()
        .records()
        .map(|r| r.type_id)
        .collect();
    assert_eq!(funcs, [5, 0, 3, 4]);
    assert_eq!(
        ext.core_relo()
            .next()
            .unwrap()
            .records()
            .next()
            .unwrap()
            .type_id,
        4
    );
}

#[test]
fn multi_split_round_trips_through_raw_data() {
    let mut base = Btf::new_empty();
    base.add_int("int", 4, 1).unwrap();
    base.add_ptr(1).unwrap();
    base.add_struct("s1", 4).unwrap();
    base.add_field("f1", 1, 0, 0).unwrap();
    let base = Arc::new(base);
    let mut split = Btf::new_empty_split(base.clone());
    assert_eq!(split.pointer_size(), Some(8));
    assert_eq!(split.find_str("int"), Some(1), "found in base");
    split.add_struct("s2", 16).unwrap();
    split.add_field("f1", 3, 0, 0).unwrap();
    split.add_field("f2", 1, 32, 0).unwrap();
    let split = Arc::new(split);
    let mut multi = Btf::new_empty_split(split.clone());
    multi.add_union("u1", 16).unwrap();
    multi.add_field("f1", 4, 0, 0).unwrap();
    assert_eq!(multi.type_cnt(), 6);

    let base2 = Arc::new(Btf::from_bytes(&base.raw_data()).unwrap());
    let split2 = Arc::new(Btf::from_bytes_split(&split.raw_data(), base2).unwrap());
    let multi2 = Btf::from_bytes_split(&multi.raw_data(), split2).unwrap();
    for id in 1..6 {
        assert_eq!(
            multi2.type_by_id(id).unwrap().words(),
            multi.type_by_id(id).unwrap().words()
        );
    }
    assert_eq!(
        dump(&multi2),
        "[5] UNION 'u1' size=16 vlen=1\n\t'f1' type_id=4 bits_offset=0\n"
    );
}

#[test]
fn endianness_flip_round_trips() {
    let mut btf = Btf::new_empty();
    gen_btf(&mut btf);
    let native = btf.raw_data().into_owned();
    btf.set_endianness(Endianness::Big);
    let big = btf.raw_data().into_owned();
    assert_eq!(&big[..2], &[0xeb, 0x9f]);
    let parsed = Btf::from_bytes(&big).unwrap();
    assert_eq!(parsed.endianness(), Endianness::Big);
    assert_eq!(parsed.raw_data(), &big[..], "re-emitted in its own order");
    assert_eq!(dump(&parsed), dump(&btf));
    btf.set_endianness(Endianness::Little);
    assert_eq!(btf.raw_data(), &native[..]);
    // Add a VAR to the big-endian object and read it back.
    let mut parsed = parsed;
    let var = parsed.add_var("later", crate::VAR_STATIC, 1).unwrap();
    let again = Btf::from_bytes(&parsed.raw_data()).unwrap();
    assert_eq!(
        dump_type(&again, var),
        format!("[{var}] VAR 'later' type_id=1, linkage=static")
    );
}

#[test]
fn names_with_nul_are_rejected() {
    let mut btf = Btf::new_empty();
    let err = btf.add_int("in\0t", 4, 0).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    assert_eq!(btf.type_cnt(), 1);
}
