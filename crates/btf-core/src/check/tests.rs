//! Wrong-base detection on hand-built bases and modules: each rule fires on the reference it is
//! about and on nothing over the right base; malformed modules fail or report, never panic.

use std::sync::Arc;

use super::*;
use crate::FwdKind;

/// Base "A": [1] int, [2] struct dev (8 bytes), [3] FUNC_PROTO, [4] FUNC 'f', [5] long.
fn base_a() -> Btf {
    let mut b = Btf::new_empty();
    b.add_int("int", 4, 1).unwrap();
    b.add_struct("dev", 8).unwrap();
    b.add_field("a", 1, 0, 0).unwrap();
    b.add_field("b", 1, 32, 0).unwrap();
    let proto = b.add_func_proto(1).unwrap();
    b.add_func("f", crate::FUNC_GLOBAL, proto).unwrap();
    b.add_int("long", 8, 1).unwrap();
    b
}

/// Base "B": same count of types, other ids: [1] int, [2] FUNC_PROTO, [3] FUNC 'f', [4] struct
/// dev (16 bytes), [5] long. And the same strings.
fn base_b() -> Btf {
    let mut b = Btf::new_empty();
    b.add_int("int", 4, 1).unwrap();
    let proto = b.add_func_proto(1).unwrap();
    b.add_func("f", crate::FUNC_GLOBAL, proto).unwrap();
    b.add_struct("dev", 16).unwrap();
    b.add_field("a", 1, 0, 0).unwrap();
    b.add_field("b", 1, 32, 0).unwrap();
    b.add_int("long", 8, 1).unwrap();
    b
}

/// A module over base A: [6] struct holder { struct dev d; int x; } (12 bytes), [7] PTR -> dev.
fn module_over(base: &Arc<Btf>) -> Vec<u8> {
    let mut m = Btf::new_empty_split(Arc::clone(base));
    let s = m.add_struct("holder", 12).unwrap();
    m.add_field("d", 2, 0, 0).unwrap();
    m.add_field("x", 1, 64, 0).unwrap();
    m.add_ptr(2).unwrap();
    assert_eq!(s, 6);
    m.raw_data().into_owned()
}

#[test]
fn right_base_is_undecidable_wrong_base_is_flagged_with_reasons() {
    let a = Arc::new(base_a());
    let module = module_over(&a);
    let right = BaseChecker::new(Arc::clone(&a)).check(&module).unwrap();
    assert_eq!(right.verdict, Verdict::Undecidable, "{}", right.summary());
    assert!(right.findings.is_empty());
    assert_eq!(right.stats.base_refs, 3);

    let b = Arc::new(base_b());
    let wrong = BaseChecker::new(b).check(&module).unwrap();
    assert_eq!(wrong.verdict, Verdict::Inconsistent);
    // Member 'd' is base type [2], a FUNC_PROTO over B; the PTR points at it (allowed: a function
    // pointer), but a member of function type is not.
    assert!(wrong.has(Rule::MemberType), "{:?}", wrong.findings);
    let f = wrong
        .findings
        .iter()
        .find(|f| f.rule == Rule::MemberType)
        .unwrap();
    assert_eq!((f.type_id, f.base_id), (Some(6), Some(2)));
    assert!(f.message.contains("member 'd'"), "{}", f.message);
    assert!(f.message.contains("FUNC_PROTO"), "{}", f.message);
}

#[test]
fn member_fit_and_overlap_name_the_sizes() {
    // Base C: [1] int, [2] struct dev of 16 bytes at the same id as in A.
    let mut c = Btf::new_empty();
    c.add_int("int", 4, 1).unwrap();
    c.add_struct("dev", 16).unwrap();
    c.add_field("a", 1, 0, 0).unwrap();
    let proto = c.add_func_proto(1).unwrap();
    c.add_func("f", crate::FUNC_GLOBAL, proto).unwrap();
    c.add_int("long", 8, 1).unwrap();
    let a = Arc::new(base_a());
    let module = module_over(&a);
    let r = BaseChecker::new(Arc::new(c)).check(&module).unwrap();
    assert_eq!(r.verdict, Verdict::Inconsistent);
    assert!(
        r.has(Rule::MemberFit) && r.has(Rule::MemberOverlap),
        "{:?}",
        r.findings
    );
    let fit = r
        .findings
        .iter()
        .find(|f| f.rule == Rule::MemberFit)
        .unwrap();
    assert!(fit.message.contains("16 bytes here"), "{}", fit.message);
    let ov = r
        .findings
        .iter()
        .find(|f| f.rule == Rule::MemberOverlap)
        .unwrap();
    assert!(ov.message.contains("at most 8 bytes"), "{}", ov.message);
}

#[test]
fn pointer_to_func_and_bad_index_type_are_flagged() {
    let a = Arc::new(base_a());
    let mut m = Btf::new_empty_split(Arc::clone(&a));
    m.add_ptr(3).unwrap(); // -> FUNC_PROTO: fine
    m.add_array(1, 1, 4).unwrap();
    let module = m.raw_data().into_owned();
    assert_eq!(
        BaseChecker::new(Arc::clone(&a))
            .check(&module)
            .unwrap()
            .verdict,
        Verdict::Undecidable
    );
    let b = Arc::new(base_b());
    // Over B, [3] is a FUNC: a pointer cannot point at it.
    let r = BaseChecker::new(b).check(&module).unwrap();
    assert!(r.has(Rule::RefTarget), "{:?}", r.findings);

    // An array indexed by a struct.
    let mut m = Btf::new_empty_split(Arc::clone(&a));
    m.add_array(2, 1, 4).unwrap();
    let r = BaseChecker::new(a).check(&m.raw_data()).unwrap();
    assert!(r.has(Rule::Array), "{:?}", r.findings);
}

#[test]
fn ids_and_strings_out_of_range_are_findings_not_errors() {
    let a = Arc::new(base_a());
    let mut big = base_a();
    big.add_int("extra_long_name_to_grow_strings", 8, 0)
        .unwrap();
    let big = Arc::new(big);
    // Built over the bigger base, read over the smaller one.
    let mut m = Btf::new_empty_split(Arc::clone(&big));
    let own = m.add_struct("mine", 4).unwrap();
    m.add_field("x", 1, 0, 0).unwrap();
    m.add_ptr(own).unwrap();
    m.add_fwd("fwd_only_in_module", FwdKind::Struct).unwrap();
    let bytes = m.raw_data().into_owned();
    let r = BaseChecker::new(a).check(&bytes).unwrap();
    assert_eq!(r.verdict, Verdict::Inconsistent);
    assert!(
        r.has(Rule::TypeIdRange) || r.has(Rule::StringRange) || r.has(Rule::StringStart),
        "{:?}",
        r.findings
    );
}

#[test]
fn distilled_module_relocates_or_names_the_struct() {
    let a = Arc::new(base_a());
    let m = Btf::from_bytes_split(&module_over(&a), Arc::clone(&a)).unwrap();
    let (dbase, split) = m.distill_base().unwrap();
    let (dbase, split) = (dbase.raw_data().into_owned(), split.raw_data().into_owned());
    let parts = ModuleParts {
        btf: &split,
        distilled_base: Some(&dbase),
        ..ModuleParts::default()
    };
    let r = BaseChecker::new(a).check_parts(&parts).unwrap();
    assert_eq!(r.verdict, Verdict::Consistent, "{}", r.summary());
    assert_eq!(r.evidence, [Evidence::Relocated]);
    let r = BaseChecker::new(Arc::new(base_b()))
        .check_parts(&parts)
        .unwrap();
    assert_eq!(r.verdict, Verdict::Inconsistent, "{}", r.summary());
    assert!(
        r.findings[0].message.contains("struct dev"),
        "{}",
        r.summary()
    );
}

#[test]
fn modinfo_and_versions_are_read() {
    let info = ModInfo::parse(b"license=GPL\0vermagic=6.1.0-47-amd64 SMP preempt \0name=tun\0");
    assert_eq!(info.release(), Some("6.1.0-47-amd64"));
    assert_eq!(info.name.as_deref(), Some("tun"));
    let mut v = vec![0u8; 128];
    v[..8].copy_from_slice(&0x1234_5678u64.to_le_bytes());
    v[8..14].copy_from_slice(b"printk");
    v[64..72].copy_from_slice(&7u64.to_le_bytes());
    v[72..76].copy_from_slice(b"kfre");
    let syms = modinfo::parse_versions(&Versions {
        data: &v,
        word: 8,
        big_endian: false,
    });
    assert_eq!(syms.len(), 2);
    assert_eq!(
        (syms[0].name.as_str(), syms[0].crc),
        ("printk", 0x1234_5678)
    );
}

#[test]
fn malformed_modules_never_panic() {
    let a = Arc::new(base_a());
    let checker = BaseChecker::new(Arc::clone(&a));
    let mut m = Btf::new_empty_split(Arc::clone(&a));
    let s = m.add_struct("holder", 12).unwrap();
    m.add_field("d", 2, 0, 0).unwrap();
    m.add_field("bits", 1, 64, 3).unwrap();
    m.add_ptr(s).unwrap();
    let arr = m.add_array(1, s, 3).unwrap();
    let proto = m.add_func_proto(arr).unwrap();
    m.add_func_param("p", 0).unwrap();
    m.add_func_param("q", 7).unwrap();
    m.add_func("g", crate::FUNC_STATIC, proto).unwrap();
    let var = m.add_var("v", crate::VAR_STATIC, s).unwrap();
    m.add_datasec(".data", 12).unwrap();
    m.add_datasec_var_info(var, 0, 12).unwrap();
    m.add_decl_tag("tag", s, 5).unwrap();
    m.add_typedef("t", 0).unwrap();
    m.add_enum("e", 4).unwrap();
    m.add_enum_value("E1", 1).unwrap();
    let good = m.raw_data().into_owned();
    let _ = checker.check(&good).unwrap();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for len in 0..good.len() {
        let _ = checker.check(&good[..len]);
    }
    for _ in 0..20_000 {
        let mut bad = good.clone();
        for _ in 0..1 + next() % 4 {
            let at = (next() % bad.len() as u64) as usize;
            let word = next();
            bad[at] = word as u8;
            if word & 0x100 != 0 && at + 4 <= bad.len() {
                bad[at..at + 4].copy_from_slice(&((word >> 9) as u32 % 64).to_le_bytes());
            }
        }
        let _ = checker.check(&bad);
        let _ = checker.check_parts(&ModuleParts {
            btf: &bad,
            distilled_base: Some(&good[..good.len().min(40)]),
            modinfo: Some(&bad),
            versions: Some(Versions {
                data: &bad,
                word: 8,
                big_endian: true,
            }),
        });
    }
}
