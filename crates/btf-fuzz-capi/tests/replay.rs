//! Every regression input and seed of the C-ABI fuzz target, replayed on stable Rust.

#[test]
fn regressions_and_seeds_replay() {
    let n = btf_fuzz_targets::replay(&[("capi", btf_fuzz_capi::capi)]);
    println!("replayed {n} inputs");
}
