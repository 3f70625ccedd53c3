//! The test BPF objects build for both byte orders and carry what the `.BTF.ext`/CO-RE tests rely
//! on: `.BTF`, `.BTF.ext`, and CO-RE relocations in every program section.

use btf_difftest::bpfobj;

#[test]
fn test_objects_build_for_both_byte_orders() {
    let Some(objects) = bpfobj::objects_or_skip("test_objects_build_for_both_byte_orders") else {
        return;
    };
    assert_eq!(objects.len(), 2 * bpfobj::sources().len());
    for object in &objects {
        let bytes = object.bytes();
        let elf = btf_core::Btf::parse_elf_bytes(&bytes, None)
            .unwrap_or_else(|e| panic!("{}: {e}", object.name));
        let expected = if object.big_endian {
            btf_core::Endianness::Big
        } else {
            btf_core::Endianness::Little
        };
        assert_eq!(elf.btf.endianness(), expected, "{}", object.name);
        let ext = elf
            .ext
            .unwrap_or_else(|| panic!("{} has no .BTF.ext", object.name));
        assert!(
            ext.len() > 32,
            "{}: .BTF.ext of {} bytes",
            object.name,
            ext.len()
        );
    }
}

/// The programs libbpf 1.7.0 finds in an object: (name, section, instruction count), by name.
fn libbpf_programs(path: &std::path::Path) -> Vec<(String, String, usize)> {
    use std::ffi::{CStr, CString};
    let c_path = CString::new(path.as_os_str().as_encoded_bytes()).expect("no NUL in path");
    // SAFETY: a valid C string and no options; the object is closed below and the strings are
    // copied out before that.
    unsafe {
        let obj = libbpf_sys::bpf_object__open_file(c_path.as_ptr(), std::ptr::null());
        assert!(!obj.is_null(), "libbpf cannot open {}", path.display());
        let mut found = Vec::new();
        let mut prog = libbpf_sys::bpf_object__next_program(obj, std::ptr::null_mut());
        while !prog.is_null() {
            let name = CStr::from_ptr(libbpf_sys::bpf_program__name(prog));
            let sec = CStr::from_ptr(libbpf_sys::bpf_program__section_name(prog));
            found.push((
                name.to_string_lossy().into_owned(),
                sec.to_string_lossy().into_owned(),
                libbpf_sys::bpf_program__insn_cnt(prog) as usize,
            ));
            prog = libbpf_sys::bpf_object__next_program(obj, prog);
        }
        libbpf_sys::bpf_object__close(obj);
        found.sort();
        found
    }
}

#[test]
fn programs_are_the_functions_libbpf_finds() {
    let Some(objects) = bpfobj::objects_or_skip("programs_are_the_functions_libbpf_finds") else {
        return;
    };
    let mut checked = 0;
    for object in &objects {
        let ours = btf_core::object::BpfObject::parse(&object.bytes())
            .unwrap_or_else(|e| panic!("{}: {e}", object.name));
        let mut programs: Vec<(String, String, usize)> = ours
            .functions
            .iter()
            .filter(|f| ours.sections[f.section].name != ".text")
            .map(|f| {
                (
                    f.name.clone(),
                    ours.sections[f.section].name.clone(),
                    f.insn_count,
                )
            })
            .collect();
        programs.sort();
        assert!(!programs.is_empty(), "{}: no programs", object.name);
        // libbpf refuses objects of the other byte order; their programs must be those of the
        // little-endian build of the same source, which libbpf does read (the code differs:
        // bitfield reads compile differently for big-endian).
        let reference = objects
            .iter()
            .find(|o| o.source == object.source && !o.big_endian)
            .expect("little-endian build");
        let mut expected = libbpf_programs(&reference.path);
        if object.big_endian {
            programs.iter_mut().for_each(|p| p.2 = 0);
            expected.iter_mut().for_each(|p| p.2 = 0);
        }
        assert_eq!(programs, expected, "{}", object.name);
        for f in &ours.functions {
            let insns = ours.insns(f);
            assert_eq!(insns.len(), f.insn_count);
            assert_eq!(
                insns.last().map(|i| i.code),
                Some(0x95),
                "{} ends in exit",
                f.name
            );
        }
        checked += 1;
    }
    assert_eq!(checked, objects.len());
    // The test sources have subprograms in .text (static and global): they must be found too.
    let tracing = objects
        .iter()
        .find(|o| o.name == "tracing.bpfel")
        .expect("tracing object");
    let ours = btf_core::object::BpfObject::parse(&tracing.bytes()).expect("parses");
    let text: Vec<(&str, bool)> = ours
        .functions
        .iter()
        .filter(|f| ours.sections[f.section].name == ".text")
        .map(|f| (f.name.as_str(), f.global))
        .collect();
    assert!(text.contains(&("parent_tgid", false)), "{text:?}");
    assert!(text.contains(&("count_exec", true)), "{text:?}");
}

#[test]
fn a_bpf_object_reads_at_any_alignment() {
    let Some(objects) = bpfobj::objects_or_skip("a_bpf_object_reads_at_any_alignment") else {
        return;
    };
    let bytes = objects[0].bytes();
    let mut shifted = vec![0u8; bytes.len() + 1];
    shifted[1..].copy_from_slice(&bytes);
    let aligned = btf_core::object::BpfObject::parse(&bytes).expect("parses");
    let unaligned = btf_core::object::BpfObject::parse(&shifted[1..]).expect("parses unaligned");
    assert_eq!(aligned.functions.len(), unaligned.functions.len());
    assert_eq!(aligned.sections[0].bytes, unaligned.sections[0].bytes);
}
