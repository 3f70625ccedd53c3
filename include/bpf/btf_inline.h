/* SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0 */
/*
 * libbtf: the static inline helpers libbpf's btf.h offers for reading type records, with the same
 * names and signatures. Included by btf.h; hand-written.
 *
 * A record is a `struct btf_type` (from <linux/btf.h>: name_off, info, size/type) followed by
 * data that depends on its kind: one __u32 for INT, a `struct btf_array`, vlen `struct
 * btf_member`s, `struct btf_enum`s, `struct btf_enum64`s or `struct btf_param`s, one `struct
 * btf_var` or `struct btf_decl_tag`, or vlen `struct btf_var_secinfo`s. The accessors below
 * return a pointer to that data; they do not check the kind.
 */
#ifndef __LIBBTF_BTF_INLINE_H
#define __LIBBTF_BTF_INLINE_H

#include <stdbool.h>
#include <linux/btf.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Kind numbers newer than some kernel headers. <linux/btf.h> declares BTF_KIND_* as enum
 * constants, so a macro of the same name and value defined here is harmless where they exist.
 */
#ifndef BTF_KIND_FUNC
#define BTF_KIND_FUNC 12
#define BTF_KIND_FUNC_PROTO 13
#endif
#ifndef BTF_KIND_VAR
#define BTF_KIND_VAR 14
#define BTF_KIND_DATASEC 15
#endif
#ifndef BTF_KIND_FLOAT
#define BTF_KIND_FLOAT 16
#endif
#define BTF_KIND_DECL_TAG 17
#define BTF_KIND_TYPE_TAG 18
#define BTF_KIND_ENUM64 19

/* Kind, element count and kind flag, from the info word. */
static inline __u16 btf_kind(const struct btf_type *t)
{
	return BTF_INFO_KIND(t->info);
}

static inline __u16 btf_vlen(const struct btf_type *t)
{
	return BTF_INFO_VLEN(t->info);
}

static inline bool btf_kflag(const struct btf_type *t)
{
	return BTF_INFO_KFLAG(t->info);
}

/* One test per kind. */
static inline bool btf_is_void(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_UNKN;
}

static inline bool btf_is_int(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_INT;
}

static inline bool btf_is_ptr(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_PTR;
}

static inline bool btf_is_array(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_ARRAY;
}

static inline bool btf_is_struct(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_STRUCT;
}

static inline bool btf_is_union(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_UNION;
}

static inline bool btf_is_enum(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_ENUM;
}

static inline bool btf_is_enum64(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_ENUM64;
}

static inline bool btf_is_fwd(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_FWD;
}

static inline bool btf_is_typedef(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_TYPEDEF;
}

static inline bool btf_is_volatile(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_VOLATILE;
}

static inline bool btf_is_const(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_CONST;
}

static inline bool btf_is_restrict(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_RESTRICT;
}

static inline bool btf_is_func(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_FUNC;
}

static inline bool btf_is_func_proto(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_FUNC_PROTO;
}

static inline bool btf_is_var(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_VAR;
}

static inline bool btf_is_datasec(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_DATASEC;
}

static inline bool btf_is_float(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_FLOAT;
}

static inline bool btf_is_decl_tag(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_DECL_TAG;
}

static inline bool btf_is_type_tag(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_TYPE_TAG;
}

/* Groups of kinds. */

/* STRUCT or UNION. */
static inline bool btf_is_composite(const struct btf_type *t)
{
	return btf_is_struct(t) || btf_is_union(t);
}

/* A modifier: VOLATILE, CONST, RESTRICT or TYPE_TAG. */
static inline bool btf_is_mod(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return true;
	default:
		return false;
	}
}

/* ENUM or ENUM64. */
static inline bool btf_is_any_enum(const struct btf_type *t)
{
	return btf_is_enum(t) || btf_is_enum64(t);
}

/* Whether t1 and t2 are of one kind for CO-RE matching, where ENUM and ENUM64 count as one. */
static inline bool btf_kind_core_compat(const struct btf_type *t1, const struct btf_type *t2)
{
	if (btf_kind(t1) == btf_kind(t2))
		return true;
	return btf_is_any_enum(t1) && btf_is_any_enum(t2);
}

/* INT: the fields of the __u32 after the header. */
static inline __u8 btf_int_encoding(const struct btf_type *t)
{
	const __u32 *data = (const __u32 *)(t + 1);

	return BTF_INT_ENCODING(*data);
}

static inline __u8 btf_int_offset(const struct btf_type *t)
{
	const __u32 *data = (const __u32 *)(t + 1);

	return BTF_INT_OFFSET(*data);
}

static inline __u8 btf_int_bits(const struct btf_type *t)
{
	const __u32 *data = (const __u32 *)(t + 1);

	return BTF_INT_BITS(*data);
}

/* Pointers to the data after the header. */
static inline struct btf_array *btf_array(const struct btf_type *t)
{
	return (struct btf_array *)(t + 1);
}

static inline struct btf_enum *btf_enum(const struct btf_type *t)
{
	return (struct btf_enum *)(t + 1);
}

/* Declared, not defined, here: older <linux/btf.h> versions lack it. */
struct btf_enum64;

static inline struct btf_enum64 *btf_enum64(const struct btf_type *t)
{
	return (struct btf_enum64 *)(t + 1);
}

/*
 * The 64-bit value of an ENUM64 entry. An entry is three __u32 words: name_off, the low half of
 * the value, the high half. They are read as words so that this works whether or not the kernel
 * headers define `struct btf_enum64`, in C and in C++.
 */
static inline __u64 btf_enum64_value(const struct btf_enum64 *e)
{
	const __u32 *words = (const __u32 *)e;

	return ((__u64)words[2] << 32) | words[1];
}

static inline struct btf_member *btf_members(const struct btf_type *t)
{
	return (struct btf_member *)(t + 1);
}

/*
 * Bit offset of member member_idx of a STRUCT or UNION. With the kind flag set the offset word
 * also holds the bitfield size in its top 8 bits.
 */
static inline __u32 btf_member_bit_offset(const struct btf_type *t, __u32 member_idx)
{
	const struct btf_member *m = btf_members(t) + member_idx;

	if (!btf_kflag(t))
		return m->offset;
	return BTF_MEMBER_BIT_OFFSET(m->offset);
}

/* Bitfield size of member member_idx of a STRUCT or UNION; 0 when it is not a bitfield. */
static inline __u32 btf_member_bitfield_size(const struct btf_type *t, __u32 member_idx)
{
	const struct btf_member *m = btf_members(t) + member_idx;

	if (!btf_kflag(t))
		return 0;
	return BTF_MEMBER_BITFIELD_SIZE(m->offset);
}

static inline struct btf_param *btf_params(const struct btf_type *t)
{
	return (struct btf_param *)(t + 1);
}

static inline struct btf_var *btf_var(const struct btf_type *t)
{
	return (struct btf_var *)(t + 1);
}

static inline struct btf_var_secinfo *btf_var_secinfos(const struct btf_type *t)
{
	return (struct btf_var_secinfo *)(t + 1);
}

/* Declared, not defined, here: older <linux/btf.h> versions lack it. */
struct btf_decl_tag;

static inline struct btf_decl_tag *btf_decl_tag(const struct btf_type *t)
{
	return (struct btf_decl_tag *)(t + 1);
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* __LIBBTF_BTF_INLINE_H */
