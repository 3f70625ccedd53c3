//! ELF reading against libbpf 1.7.0's `btf__parse_elf`: `.BTF.base` handling and errors.

use std::path::{Path, PathBuf};

use btf_core::Btf;
use btf_difftest::libbpf::{self, LibbpfBtf};

fn test_data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-data")
        .join(name)
}

fn assert_same_types(ours: &Btf, theirs: &LibbpfBtf) {
    assert_eq!(ours.type_cnt(), theirs.type_cnt());
    assert_eq!(ours.start_id(), theirs.start_id());
    for id in 0..ours.type_cnt() {
        let words: Vec<u8> = ours
            .type_by_id(id)
            .unwrap()
            .words()
            .iter()
            .flat_map(|w| w.to_ne_bytes())
            .collect();
        assert_eq!(Some(&words[..]), theirs.type_record(id), "type [{id}]");
        let name_off = ours.type_by_id(id).unwrap().name_off();
        assert_eq!(
            ours.str_by_offset(name_off),
            theirs.name_by_offset(name_off),
            "name of [{id}]"
        );
    }
}

#[test]
fn distilled_base_section_is_the_base() {
    libbpf::quiet();
    let path = test_data("mod-distilled.o");
    let ours = Btf::parse_elf_file(&path, None).unwrap();
    let theirs = LibbpfBtf::parse_elf(&path).unwrap();
    assert!(ours.btf.base().is_some());
    assert_same_types(&ours.btf, &theirs);
    assert_eq!(
        ours.btf.pointer_size().unwrap() as usize,
        theirs.pointer_size()
    );
}

#[test]
fn elf_errors_match_libbpf() {
    libbpf::quiet();
    // Not an ELF: LIBBPF_ERRNO__FORMAT from both.
    let not_elf = test_data("small.btf");
    let ours = Btf::parse_elf_file(&not_elf, None).unwrap_err();
    assert_eq!(
        Err(ours.errno()),
        LibbpfBtf::parse_elf(&not_elf).map(|_| ())
    );
    // A module's split .BTF read without its base: EINVAL from both.
    if let Some((_, ko)) = btf_difftest::corpus::ko_files().into_iter().next() {
        let ours = Btf::parse_elf_file(&ko, None).unwrap_err();
        assert_eq!(
            Err(ours.errno()),
            LibbpfBtf::parse_elf(&ko).map(|_| ()),
            "{ours}"
        );
    } else {
        eprintln!("SKIP elf_errors_match_libbpf (ko part): ../shared/corpus not found");
    }
    // An ELF without .BTF (this test program): ENODATA from both.
    let exe = std::env::current_exe().unwrap();
    let ours = Btf::parse_elf_file(&exe, None).unwrap_err();
    assert_eq!(ours.errno(), 61);
    assert_eq!(Err(ours.errno()), LibbpfBtf::parse_elf(&exe).map(|_| ()));
    // Missing file: ENOENT from both.
    let missing = test_data("does-not-exist.ko");
    let ours = Btf::parse_elf_file(&missing, None).unwrap_err();
    assert_eq!(
        Err(ours.errno()),
        LibbpfBtf::parse_elf(&missing).map(|_| ())
    );
}
