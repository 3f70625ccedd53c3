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
