//! Issue 12, defect 4: ELF images at any address. `Btf::parse_elf_bytes`, `elf::parse_elf`,
//! `elf::elf_sections` and `elf::parse_elf_section` on slices 1 to 7 bytes past an 8-byte
//! boundary give what they give on an aligned copy; before `object`'s `unaligned` feature they
//! failed with "Invalid ELF header size or alignment".

use std::path::Path;

use btf_core::{Btf, elf};

/// A buffer holding `data` at an address that is `rem` more than a multiple of 8, and where.
fn placed(data: &[u8], rem: usize) -> (Vec<u8>, usize) {
    let mut buf = vec![0u8; data.len() + 16];
    let at = (8 + rem - buf.as_ptr() as usize % 8) % 8;
    buf[at..at + data.len()].copy_from_slice(data);
    (buf, at)
}

#[test]
fn elf_functions_accept_any_alignment() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/mod-distilled.o");
    let data = std::fs::read(&fixture).unwrap();
    let (aligned_buf, at) = placed(&data, 0);
    let aligned = &aligned_buf[at..at + data.len()];
    assert_eq!(aligned.as_ptr() as usize % 8, 0);
    for shift in 1..8 {
        let (buf, at) = placed(&data, shift);
        let unaligned = &buf[at..at + data.len()];
        assert_eq!(unaligned.as_ptr() as usize % 8, shift);

        let want = Btf::parse_elf_bytes(aligned, None).unwrap();
        let got = Btf::parse_elf_bytes(unaligned, None)
            .unwrap_or_else(|e| panic!("parse_elf_bytes at +{shift}: {e}"));
        assert_eq!(got.btf.raw_data(), want.btf.raw_data());
        assert_eq!(got.ext, want.ext);

        let want = elf::parse_elf(aligned, None).unwrap();
        let got = elf::parse_elf(unaligned, None)
            .unwrap_or_else(|e| panic!("parse_elf at +{shift}: {e}"));
        assert_eq!(got.btf.raw_data(), want.btf.raw_data());
        assert_eq!(got.btf.type_cnt(), want.btf.type_cnt());

        let want = elf::elf_sections(aligned).unwrap();
        let got = elf::elf_sections(unaligned)
            .unwrap_or_else(|e| panic!("elf_sections at +{shift}: {e}"));
        assert_eq!(
            (got.btf, got.ext, got.base, got.pointer_size),
            (want.btf, want.ext, want.base, want.pointer_size)
        );
        assert!(got.btf.is_some() && got.base.is_some());

        for section in [".BTF.base", ".BTF"] {
            let base = (section == ".BTF").then(|| {
                std::sync::Arc::new(elf::parse_elf_section(aligned, ".BTF.base", None).unwrap())
            });
            let want = elf::parse_elf_section(aligned, section, base.clone()).unwrap();
            let got = elf::parse_elf_section(unaligned, section, base)
                .unwrap_or_else(|e| panic!("parse_elf_section({section}) at +{shift}: {e}"));
            assert_eq!(got.raw_data(), want.raw_data());
        }
    }
}
