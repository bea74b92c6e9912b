#include "graph/attributes.h"

namespace wt {

const Attribute* Attributes::find(const std::string& name) const {
  for (const Attribute& a : attrs_) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

Status Attributes::error(const std::string& name, const std::string& what) const {
  return invalid_model("op " + quote(op_) + ": attribute " + quote(name) + " " + what);
}

Result<int64_t> Attributes::get_int(const std::string& name) const {
  const Attribute* a = find(name);
  if (a == nullptr) return error(name, "is missing");
  if (a->kind != AttrKind::kInt) return error(name, "must be an int");
  return a->i;
}

Result<int64_t> Attributes::get_int(const std::string& name, int64_t fallback) const {
  return has(name) ? get_int(name) : Result<int64_t>(fallback);
}

Result<double> Attributes::get_float(const std::string& name, double fallback) const {
  const Attribute* a = find(name);
  if (a == nullptr) return fallback;
  if (a->kind == AttrKind::kFloat) return a->f;
  if (a->kind == AttrKind::kInt) return static_cast<double>(a->i);
  return error(name, "must be a number");
}

Result<std::string> Attributes::get_string(const std::string& name, const std::string& fallback) const {
  const Attribute* a = find(name);
  if (a == nullptr) return fallback;
  if (a->kind != AttrKind::kString) return error(name, "must be a string");
  return a->s;
}

Result<std::vector<int64_t>> Attributes::get_ints(const std::string& name) const {
  const Attribute* a = find(name);
  if (a == nullptr) return error(name, "is missing");
  if (a->kind == AttrKind::kInt) return std::vector<int64_t>{a->i};
  if (a->kind != AttrKind::kInts) return error(name, "must be a list of ints");
  return a->ints;
}

Result<std::vector<int64_t>> Attributes::get_ints(const std::string& name, size_t count) const {
  WT_ASSIGN_OR_RETURN(std::vector<int64_t> v, get_ints(name));
  if (v.size() == 1 && count > 1) {
    const int64_t value = v[0];  // by value: assign() may free the storage v[0] refers to first (libc++ does)
    v.assign(count, value);
  }
  if (v.size() != count) {
    return error(name, "must have " + std::to_string(count) + " values, has " + std::to_string(v.size()));
  }
  return v;
}

Status Attributes::validate_exprs(size_t symbol_count) const {
  for (const Attribute& a : attrs_) {
    if (a.exprs.empty()) continue;
    const size_t want = a.kind == AttrKind::kInt ? 1 : a.kind == AttrKind::kInts ? a.ints.size() : 0;
    if (a.exprs.size() != want) return error(a.name, "has symbolic values that do not match its ints");
    for (const DimExpr& e : a.exprs) WT_RETURN_IF_ERROR(e.validate(symbol_count));
  }
  return Status::ok();
}

Result<Attributes> Attributes::bound(const std::vector<int64_t>& symbol_values) const {
  Attributes out = *this;
  for (Attribute& a : out.attrs_) {
    for (size_t k = 0; k < a.exprs.size(); ++k) {
      if (!a.exprs[k].is_symbolic()) continue;
      WT_ASSIGN_OR_RETURN(int64_t v, a.exprs[k].evaluate(symbol_values));
      (a.kind == AttrKind::kInt ? a.i : a.ints[k]) = v;
    }
  }
  return out;
}

}  // namespace wt
