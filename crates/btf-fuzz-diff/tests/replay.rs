//! Every regression input and seed of the differential fuzz targets (btf-core vs libbpf 1.7.0),
//! replayed on stable Rust; also the reproducers of `fuzz/libbpf-bugs/` through the predicates
//! that keep them away from libbpf.

#[test]
fn regressions_and_seeds_replay() {
    let n = btf_fuzz_targets::replay(btf_fuzz_diff::TARGETS);
    println!("replayed {n} inputs");
}

/// LIBBPF-8 (`fuzz/libbpf-bugs/LIBBPF-8-distill-empty-base-drops-types.btf`: `struct holds_ptr {
/// void *p; }` over `test-data/small.btf`, whose `void *` is base type [11]): libbpf's distilled
/// split loses the `void *` and still refers to [11], which does not exist in it; btf-core's moves
/// it into the split, and the result relocates back onto the original base.
#[test]
fn libbpf_8_distill_over_an_empty_base() {
    use btf_difftest::libbpf::LibbpfBtf;
    use std::sync::Arc;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let data = std::fs::read(format!(
        "{dir}/fuzz/libbpf-bugs/LIBBPF-8-distill-empty-base-drops-types.btf"
    ))
    .unwrap();
    let small = std::fs::read(format!("{dir}/test-data/small.btf")).unwrap();
    btf_difftest::libbpf::quiet();
    let lib_base = Arc::new(LibbpfBtf::from_bytes(&small).unwrap());
    let (lb, ls) = LibbpfBtf::from_bytes_split(&data, &lib_base)
        .unwrap()
        .distill_base()
        .unwrap();
    assert_eq!(lb.type_cnt(), 1, "libbpf: empty distilled base");
    assert_eq!(
        ls.type_cnt(),
        2,
        "libbpf: the struct only, the pointer dropped"
    );
    let rec = ls.type_record(1).unwrap();
    let member_type = u32::from_ne_bytes(rec[16..20].try_into().unwrap());
    assert_eq!(
        member_type, 11,
        "libbpf: the member still refers to old id [11]"
    );

    let base = btf_fuzz_targets::small_base();
    let src = btf_core::Btf::from_bytes_split(&data, Arc::clone(base)).unwrap();
    let (ob, mut os) = src.distill_base().unwrap();
    assert_eq!(ob.type_cnt(), 1, "btf-core: empty distilled base");
    assert_eq!(
        os.type_cnt(),
        3,
        "btf-core: the struct and the pointer it needs"
    );
    let member = os.type_by_id(1).unwrap().members().next().unwrap();
    assert_eq!(member.type_id, 2);
    assert!(os.type_by_id(2).unwrap().is(btf_core::Kind::Ptr));
    os.relocate(Arc::clone(base)).unwrap();
    btf_core::Btf::from_bytes_split(&os.raw_data(), Arc::clone(base)).unwrap();
}
