//! Every regression input and seed of the btf-core fuzz targets, replayed on stable Rust.

#[test]
fn regressions_and_seeds_replay() {
    let n = btf_fuzz_targets::replay(btf_fuzz_targets::TARGETS);
    println!("replayed {n} inputs");
}
