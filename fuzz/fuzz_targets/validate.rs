#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| btf_fuzz_targets::validate(data));
