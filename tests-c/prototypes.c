/* SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0 */
/*
 * prototypes.c — compiled, never run (`make prototypes-check`, part of `make test`): proves that
 * libbtf's generated headers declare every function libbtf exports with libbpf 1.7.0's exact
 * signature.
 *
 * It includes <bpf/btf.h>, <bpf/libbpf.h> and <bpf/libbpf_legacy.h> and then declares each
 * function again, written out from libbpf 1.7.0's API (spec §1.2). C accepts a second declaration
 * only if its type is compatible with the first, so a wrong parameter or return type in our header
 * (`int64_t` for `__s64`, `unsigned int` for an enum, a missing const) fails the build under
 * -Werror. The static inline helpers, the print callback's typedef, the enums and the options
 * structs are checked the same way or with static assertions.
 *
 * Every symbol in capi/libbtf.map must appear here; scripts/check-symbols.sh checks that too.
 */
#include <stddef.h>
#include <stdarg.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <bpf/libbpf_legacy.h>

#if !defined(LIBBTF_VERSION)
#error "not libbtf's <bpf/btf.h>"
#endif
#if LIBBPF_MAJOR_VERSION != 1 || LIBBPF_MINOR_VERSION != 7
#error "libbtf implements libbpf 1.7's API"
#endif

/* ---- libbpf.h and libbpf_legacy.h ---------------------------------------------------------- */

typedef int (*libbpf_print_fn_t)(enum libbpf_print_level level, const char *, va_list ap);
LIBBPF_API libbpf_print_fn_t libbpf_set_print(libbpf_print_fn_t fn);
LIBBPF_API int libbpf_strerror(int err, char *buf, size_t size);
LIBBPF_API long libbpf_get_error(const void *ptr);
LIBBPF_API int libbpf_set_strict_mode(enum libbpf_strict_mode mode);
LIBBPF_API struct btf *libbpf_find_kernel_btf(void);
LIBBPF_API const void *btf__get_raw_data(const struct btf *btf, __u32 *size);
LIBBPF_API const void *btf_ext__get_raw_data(const struct btf_ext *btf_ext, __u32 *size);

_Static_assert(LIBBPF_WARN == 0 && LIBBPF_INFO == 1 && LIBBPF_DEBUG == 2, "libbpf_print_level");
_Static_assert(LIBBPF_STRICT_ALL == 0xffffffff && LIBBPF_STRICT_NONE == 0 &&
		       LIBBPF_STRICT_CLEAN_PTRS == 1 && LIBBPF_STRICT_DIRECT_ERRS == 2,
	       "libbpf_strict_mode");
_Static_assert(__LIBBPF_ERRNO__START == 4000 && LIBBPF_ERRNO__LIBELF == 4000 &&
		       LIBBPF_ERRNO__FORMAT == 4001 && LIBBPF_ERRNO__NLPARSE == 4013,
	       "libbpf_errno");

/* ---- btf.h: making, parsing, loading --------------------------------------------------------- */

LIBBPF_API void btf__free(struct btf *btf);
LIBBPF_API struct btf *btf__new(const void *data, __u32 size);
LIBBPF_API struct btf *btf__new_split(const void *data, __u32 size, struct btf *base_btf);
LIBBPF_API struct btf *btf__new_empty(void);
LIBBPF_API struct btf *btf__new_empty_split(struct btf *base_btf);
LIBBPF_API struct btf *btf__parse(const char *path, struct btf_ext **btf_ext);
LIBBPF_API struct btf *btf__parse_split(const char *path, struct btf *base_btf);
LIBBPF_API struct btf *btf__parse_elf(const char *path, struct btf_ext **btf_ext);
LIBBPF_API struct btf *btf__parse_elf_split(const char *path, struct btf *base_btf);
LIBBPF_API struct btf *btf__parse_raw(const char *path);
LIBBPF_API struct btf *btf__parse_raw_split(const char *path, struct btf *base_btf);
LIBBPF_API struct btf *btf__load_vmlinux_btf(void);
LIBBPF_API struct btf *btf__load_module_btf(const char *module_name, struct btf *vmlinux_btf);
LIBBPF_API struct btf *btf__load_from_kernel_by_id(__u32 id);
LIBBPF_API struct btf *btf__load_from_kernel_by_id_split(__u32 id, struct btf *base_btf);
LIBBPF_API int btf__load_into_kernel(struct btf *btf);
LIBBPF_API struct btf_ext *btf_ext__new(const __u8 *data, __u32 size);
LIBBPF_API void btf_ext__free(struct btf_ext *btf_ext);
LIBBPF_API const void *btf_ext__raw_data(const struct btf_ext *btf_ext, __u32 *size);
LIBBPF_API enum btf_endianness btf_ext__endianness(const struct btf_ext *btf_ext);
LIBBPF_API int btf_ext__set_endianness(struct btf_ext *btf_ext, enum btf_endianness endian);

/* ---- btf.h: queries ------------------------------------------------------------------------- */

LIBBPF_API __s32 btf__find_by_name(const struct btf *btf, const char *type_name);
LIBBPF_API __s32 btf__find_by_name_kind(const struct btf *btf, const char *type_name, __u32 kind);
LIBBPF_API __u32 btf__type_cnt(const struct btf *btf);
LIBBPF_API const struct btf *btf__base_btf(const struct btf *btf);
LIBBPF_API const struct btf_type *btf__type_by_id(const struct btf *btf, __u32 id);
LIBBPF_API size_t btf__pointer_size(const struct btf *btf);
LIBBPF_API int btf__set_pointer_size(struct btf *btf, size_t ptr_sz);
LIBBPF_API enum btf_endianness btf__endianness(const struct btf *btf);
LIBBPF_API int btf__set_endianness(struct btf *btf, enum btf_endianness endian);
LIBBPF_API __s64 btf__resolve_size(const struct btf *btf, __u32 type_id);
LIBBPF_API int btf__resolve_type(const struct btf *btf, __u32 type_id);
LIBBPF_API int btf__align_of(const struct btf *btf, __u32 id);
LIBBPF_API int btf__fd(const struct btf *btf);
LIBBPF_API void btf__set_fd(struct btf *btf, int fd);
LIBBPF_API const void *btf__raw_data(const struct btf *btf, __u32 *size);
LIBBPF_API const char *btf__name_by_offset(const struct btf *btf, __u32 offset);
LIBBPF_API const char *btf__str_by_offset(const struct btf *btf, __u32 offset);

/* ---- btf.h: writing ------------------------------------------------------------------------- */

LIBBPF_API int btf__find_str(struct btf *btf, const char *s);
LIBBPF_API int btf__add_str(struct btf *btf, const char *s);
LIBBPF_API int btf__add_type(struct btf *btf, const struct btf *src_btf,
			     const struct btf_type *src_type);
LIBBPF_API int btf__add_btf(struct btf *btf, const struct btf *src_btf);
LIBBPF_API int btf__add_int(struct btf *btf, const char *name, size_t byte_sz, int encoding);
LIBBPF_API int btf__add_float(struct btf *btf, const char *name, size_t byte_sz);
LIBBPF_API int btf__add_ptr(struct btf *btf, int ref_type_id);
LIBBPF_API int btf__add_array(struct btf *btf, int index_type_id, int elem_type_id,
			      __u32 nr_elems);
LIBBPF_API int btf__add_struct(struct btf *btf, const char *name, __u32 sz);
LIBBPF_API int btf__add_union(struct btf *btf, const char *name, __u32 sz);
LIBBPF_API int btf__add_field(struct btf *btf, const char *name, int field_type_id,
			      __u32 bit_offset, __u32 bit_size);
LIBBPF_API int btf__add_enum(struct btf *btf, const char *name, __u32 bytes_sz);
LIBBPF_API int btf__add_enum_value(struct btf *btf, const char *name, __s64 value);
LIBBPF_API int btf__add_enum64(struct btf *btf, const char *name, __u32 bytes_sz, bool is_signed);
LIBBPF_API int btf__add_enum64_value(struct btf *btf, const char *name, __u64 value);
LIBBPF_API int btf__add_fwd(struct btf *btf, const char *name, enum btf_fwd_kind fwd_kind);
LIBBPF_API int btf__add_typedef(struct btf *btf, const char *name, int ref_type_id);
LIBBPF_API int btf__add_volatile(struct btf *btf, int ref_type_id);
LIBBPF_API int btf__add_const(struct btf *btf, int ref_type_id);
LIBBPF_API int btf__add_restrict(struct btf *btf, int ref_type_id);
LIBBPF_API int btf__add_type_tag(struct btf *btf, const char *value, int ref_type_id);
LIBBPF_API int btf__add_type_attr(struct btf *btf, const char *value, int ref_type_id);
LIBBPF_API int btf__add_func(struct btf *btf, const char *name, enum btf_func_linkage linkage,
			     int proto_type_id);
LIBBPF_API int btf__add_func_proto(struct btf *btf, int ret_type_id);
LIBBPF_API int btf__add_func_param(struct btf *btf, const char *name, int type_id);
LIBBPF_API int btf__add_var(struct btf *btf, const char *name, int linkage, int type_id);
LIBBPF_API int btf__add_datasec(struct btf *btf, const char *name, __u32 byte_sz);
LIBBPF_API int btf__add_datasec_var_info(struct btf *btf, int var_type_id, __u32 offset,
					 __u32 byte_sz);
LIBBPF_API int btf__add_decl_tag(struct btf *btf, const char *value, int ref_type_id,
				 int component_idx);
LIBBPF_API int btf__add_decl_attr(struct btf *btf, const char *value, int ref_type_id,
				  int component_idx);
LIBBPF_API int btf__permute(struct btf *btf, __u32 *id_map, __u32 id_map_cnt,
			    const struct btf_permute_opts *opts);
struct btf_dedup_opts; /* defined by btf.h once btf__dedup is there */
LIBBPF_API int btf__dedup(struct btf *btf, const struct btf_dedup_opts *opts);
LIBBPF_API int btf__distill_base(const struct btf *src_btf, struct btf **new_base_btf,
				 struct btf **new_split_btf);
LIBBPF_API int btf__relocate(struct btf *btf, const struct btf *base_btf);

/* btf_dump: C declarations from BTF */
typedef void (*btf_dump_printf_fn_t)(void *ctx, const char *fmt, va_list args);
LIBBPF_API struct btf_dump *btf_dump__new(const struct btf *btf, btf_dump_printf_fn_t printf_fn,
					  void *ctx, const struct btf_dump_opts *opts);
LIBBPF_API void btf_dump__free(struct btf_dump *d);
LIBBPF_API int btf_dump__dump_type(struct btf_dump *d, __u32 id);
LIBBPF_API int btf_dump__emit_type_decl(struct btf_dump *d, __u32 id,
					const struct btf_dump_emit_type_decl_opts *opts);
LIBBPF_API int btf_dump__dump_type_data(struct btf_dump *d, __u32 id, const void *data,
					size_t data_sz, const struct btf_dump_type_data_opts *opts);

/* ---- libbtf's own extensions (node LIBBTF_0.1.0) ------------------------------------------- */

/* The btf__parse_opts proposed for libbpf 1.5.0 (v2-v4 of "bpf: support resilient split BTF"). */
LIBBPF_API struct btf *btf__parse_opts(const char *path, struct btf_parse_opts *opts);

/* ---- libbtf's own extensions (node LIBBTF_0.2.0): the checks of `btf check` ------------------ */

LIBBPF_API int libbtf__check(const void *module, size_t size, const struct btf *base,
			     const struct libbtf_check_opts *opts);
LIBBPF_API int libbtf__validate(const void *data, size_t size,
				const struct libbtf_check_opts *opts);
_Static_assert(LIBBTF_CHECK_CONSISTENT == 0 && LIBBTF_CHECK_INCONSISTENT == 1 &&
		       LIBBTF_CHECK_UNDECIDABLE == 2,
	       "libbtf__check verdicts");
_Static_assert(offsetof(struct libbtf_check_opts, libbtf_check_opts__last_field) ==
		       3 * sizeof(void *),
	       "libbtf_check_opts.log_size");

/* ---- btf.h: constants, enums, options structs ------------------------------------------------ */

_Static_assert(BTF_LITTLE_ENDIAN == 0 && BTF_BIG_ENDIAN == 1, "btf_endianness");
_Static_assert(BTF_FWD_STRUCT == 0 && BTF_FWD_UNION == 1 && BTF_FWD_ENUM == 2, "btf_fwd_kind");
_Static_assert(BTF_KIND_FUNC == 12 && BTF_KIND_FLOAT == 16 && BTF_KIND_DECL_TAG == 17 &&
		       BTF_KIND_TYPE_TAG == 18 && BTF_KIND_ENUM64 == 19,
	       "BTF_KIND_*");
_Static_assert(sizeof(struct btf_type) == 12, "struct btf_type");

_Static_assert(sizeof(struct btf_permute_opts) == 2 * sizeof(void *), "btf_permute_opts size");
_Static_assert(offsetof(struct btf_permute_opts, sz) == 0, "btf_permute_opts.sz");
_Static_assert(offsetof(struct btf_permute_opts, btf_permute_opts__last_field) == sizeof(void *),
	       "btf_permute_opts.btf_ext");

#ifdef btf_dedup_opts__last_field
_Static_assert(sizeof(struct btf_dedup_opts) == 3 * sizeof(void *), "btf_dedup_opts size");
_Static_assert(offsetof(struct btf_dedup_opts, btf_ext) == sizeof(void *), "btf_dedup_opts.btf_ext");
_Static_assert(offsetof(struct btf_dedup_opts, btf_dedup_opts__last_field) == 2 * sizeof(void *),
	       "btf_dedup_opts.force_collisions");
#endif

_Static_assert(sizeof(struct btf_parse_opts) == 4 * sizeof(void *), "btf_parse_opts size");
_Static_assert(offsetof(struct btf_parse_opts, base_btf) == sizeof(void *), "btf_parse_opts.base_btf");
_Static_assert(offsetof(struct btf_parse_opts, btf_ext) == 2 * sizeof(void *),
	       "btf_parse_opts.btf_ext");
_Static_assert(offsetof(struct btf_parse_opts, btf_parse_opts__last_field) == 3 * sizeof(void *),
	       "btf_parse_opts.btf_sec");

_Static_assert(sizeof(struct btf_dump_opts) == sizeof(void *), "btf_dump_opts size");
_Static_assert(offsetof(struct btf_dump_opts, btf_dump_opts__last_field) == 0, "btf_dump_opts.sz");
_Static_assert(sizeof(struct btf_dump_emit_type_decl_opts) == 3 * sizeof(void *),
	       "btf_dump_emit_type_decl_opts size");
_Static_assert(offsetof(struct btf_dump_emit_type_decl_opts, field_name) == sizeof(void *),
	       "btf_dump_emit_type_decl_opts.field_name");
_Static_assert(offsetof(struct btf_dump_emit_type_decl_opts, indent_level) == 2 * sizeof(void *),
	       "btf_dump_emit_type_decl_opts.indent_level");
_Static_assert(offsetof(struct btf_dump_emit_type_decl_opts,
			btf_dump_emit_type_decl_opts__last_field) == 2 * sizeof(void *) + 4,
	       "btf_dump_emit_type_decl_opts.strip_mods");

_Static_assert(sizeof(struct btf_dump_type_data_opts) == 3 * sizeof(void *),
	       "btf_dump_type_data_opts size");
_Static_assert(offsetof(struct btf_dump_type_data_opts, indent_str) == sizeof(void *),
	       "btf_dump_type_data_opts.indent_str");
_Static_assert(offsetof(struct btf_dump_type_data_opts, compact) == 2 * sizeof(void *) + 4,
	       "btf_dump_type_data_opts.compact");
_Static_assert(offsetof(struct btf_dump_type_data_opts, btf_dump_type_data_opts__last_field) ==
		       2 * sizeof(void *) + 7,
	       "btf_dump_type_data_opts.emit_strings");

static const char *const section_names[] = { BTF_ELF_SEC, BTF_EXT_ELF_SEC, BTF_BASE_ELF_SEC,
					      MAPS_ELF_SEC };

/* ---- btf.h: the static inline helpers -------------------------------------------------------- */

static inline __u16 btf_kind(const struct btf_type *t);
static inline __u16 btf_vlen(const struct btf_type *t);
static inline bool btf_kflag(const struct btf_type *t);
static inline bool btf_is_void(const struct btf_type *t);
static inline bool btf_is_int(const struct btf_type *t);
static inline bool btf_is_ptr(const struct btf_type *t);
static inline bool btf_is_array(const struct btf_type *t);
static inline bool btf_is_struct(const struct btf_type *t);
static inline bool btf_is_union(const struct btf_type *t);
static inline bool btf_is_composite(const struct btf_type *t);
static inline bool btf_is_enum(const struct btf_type *t);
static inline bool btf_is_enum64(const struct btf_type *t);
static inline bool btf_is_fwd(const struct btf_type *t);
static inline bool btf_is_typedef(const struct btf_type *t);
static inline bool btf_is_volatile(const struct btf_type *t);
static inline bool btf_is_const(const struct btf_type *t);
static inline bool btf_is_restrict(const struct btf_type *t);
static inline bool btf_is_mod(const struct btf_type *t);
static inline bool btf_is_func(const struct btf_type *t);
static inline bool btf_is_func_proto(const struct btf_type *t);
static inline bool btf_is_var(const struct btf_type *t);
static inline bool btf_is_datasec(const struct btf_type *t);
static inline bool btf_is_float(const struct btf_type *t);
static inline bool btf_is_decl_tag(const struct btf_type *t);
static inline bool btf_is_type_tag(const struct btf_type *t);
static inline bool btf_is_any_enum(const struct btf_type *t);
static inline bool btf_kind_core_compat(const struct btf_type *t1, const struct btf_type *t2);
static inline __u8 btf_int_encoding(const struct btf_type *t);
static inline __u8 btf_int_offset(const struct btf_type *t);
static inline __u8 btf_int_bits(const struct btf_type *t);
static inline struct btf_array *btf_array(const struct btf_type *t);
static inline struct btf_enum *btf_enum(const struct btf_type *t);
static inline struct btf_enum64 *btf_enum64(const struct btf_type *t);
static inline __u64 btf_enum64_value(const struct btf_enum64 *e);
static inline struct btf_member *btf_members(const struct btf_type *t);
static inline __u32 btf_member_bit_offset(const struct btf_type *t, __u32 member_idx);
static inline __u32 btf_member_bitfield_size(const struct btf_type *t, __u32 member_idx);
static inline struct btf_param *btf_params(const struct btf_type *t);
static inline struct btf_var *btf_var(const struct btf_type *t);
static inline struct btf_var_secinfo *btf_var_secinfos(const struct btf_type *t);
static inline struct btf_decl_tag *btf_decl_tag(const struct btf_type *t);

/* ---- libbpf_common.h ------------------------------------------------------------------------ */

/* LIBBPF_OPTS and LIBBPF_OPTS_RESET expand, and a function pointer of the exact type of
 * btf__permute takes their result. */
int prototypes_use_opts(struct btf *btf, __u32 *ids, __u32 cnt);
int prototypes_use_opts(struct btf *btf, __u32 *ids, __u32 cnt)
{
	int (*permute)(struct btf *, __u32 *, __u32, const struct btf_permute_opts *) = btf__permute;
	LIBBPF_OPTS(btf_permute_opts, opts, .btf_ext = NULL);

	LIBBPF_OPTS_RESET(opts);
	(void)section_names;
	return permute(btf, ids, cnt, &opts);
}
