#include "layout/template.hpp"

#include <nlohmann/json.hpp>

#include "common/file.hpp"

namespace certprint::layout {
namespace {

using nlohmann::json;

// Template JSON is read with exceptions turned into one error naming the path
// inside the document, so a typo in a measured number is easy to find.
struct TemplateError {
  std::string path;
  std::string problem;
};

const json& need(const json& j, const std::string& key, const std::string& path) {
  if (!j.is_object() || !j.contains(key)) throw TemplateError{path + "." + key, "missing"};
  return j.at(key);
}

double number(const json& j, const std::string& path) {
  if (!j.is_number()) throw TemplateError{path, "should be a number, got " + j.dump()};
  return j.get<double>();
}

double positive(const json& j, const std::string& path) {
  const double v = number(j, path);
  if (!(v > 0)) throw TemplateError{path, "should be > 0, got " + j.dump()};
  return v;
}

std::string text(const json& j, const std::string& path) {
  if (!j.is_string()) throw TemplateError{path, "should be a string, got " + j.dump()};
  return j.get<std::string>();
}

Rect rect(const json& j, const std::string& path) {
  if (!j.is_array() || j.size() != 4)
    throw TemplateError{path, "should be [x_mm, y_mm, w_mm, h_mm], got " + j.dump()};
  Rect r{number(j[0], path + "[0]"), number(j[1], path + "[1]"), positive(j[2], path + "[2]"),
         positive(j[3], path + "[3]")};
  return r;
}

Point point(const json& j, const std::string& path) {
  if (!j.is_array() || j.size() != 2)
    throw TemplateError{path, "should be [x_mm, y_mm], got " + j.dump()};
  return {number(j[0], path + "[0]"), number(j[1], path + "[1]")};
}

Align align(const json& j, const std::string& path) {
  const std::string s = text(j, path);
  if (s == "left") return Align::left;
  if (s == "center") return Align::center;
  if (s == "right") return Align::right;
  throw TemplateError{path, "should be left, center or right, got \"" + s + "\""};
}

void check_inside(const Rect& r, const PageTemplate& page, const std::string& path) {
  if (r.x_mm < 0 || r.y_mm < 0 || r.right_mm() > page.width_mm || r.bottom_mm() > page.height_mm)
    throw TemplateError{path, "box (" + r.describe() + ") is not inside the " +
                                  std::to_string(page.width_mm) + " × " +
                                  std::to_string(page.height_mm) + " mm page"};
}

// `p` supplies the page size the box must fit inside.
FieldBox field_box(const json& f, const PageTemplate& p, const std::string& fp) {
  FieldBox b;
  b.name = text(need(f, "name", fp), fp + ".name");
  b.box = rect(need(f, "box", fp), fp + ".box");
  check_inside(b.box, p, fp + ".box");
  b.size_pt = positive(need(f, "size_pt", fp), fp + ".size_pt");
  b.min_size_pt =
      f.contains("min_size_pt") ? positive(f.at("min_size_pt"), fp + ".min_size_pt") : b.size_pt;
  if (b.min_size_pt > b.size_pt)
    throw TemplateError{fp + ".min_size_pt", "should not exceed size_pt"};
  if (f.contains("align")) b.align = align(f.at("align"), fp + ".align");
  if (f.contains("max_lines")) {
    b.max_lines = static_cast<int>(positive(f.at("max_lines"), fp + ".max_lines"));
  }
  if (f.contains("wrap")) {
    const std::string w = text(f.at("wrap"), fp + ".wrap");
    if (w != "text" && w != "name")
      throw TemplateError{fp + ".wrap", "should be text or name, got \"" + w + "\""};
    if (b.max_lines < 2) throw TemplateError{fp + ".wrap", "needs max_lines of 2 or more"};
    b.wrap = w == "name" ? Wrap::name : Wrap::text;
  }
  return b;
}

QrZone qr_zone(const json& q, const PageTemplate& p, const std::string& qp) {
  QrZone z;
  z.box = rect(need(q, "box", qp), qp + ".box");
  check_inside(z.box, p, qp + ".box");
  z.module_min_mm = positive(need(q, "module_min_mm", qp), qp + ".module_min_mm");
  z.min_dots_per_module =
      static_cast<int>(positive(need(q, "min_dots_per_module", qp), qp + ".min_dots_per_module"));
  z.quiet_zone_modules =
      static_cast<int>(number(need(q, "quiet_zone_modules", qp), qp + ".quiet_zone_modules"));
  if (z.quiet_zone_modules < 4)
    throw TemplateError{qp + ".quiet_zone_modules", "should be at least 4 (ISO/IEC 18004)"};
  return z;
}

FormItem form_item(const json& f, const std::string& fp) {
  FormItem item;
  if (f.contains("text")) {
    item.kind = FormItem::Kind::text;
    item.text = text(f.at("text"), fp + ".text");
    item.at = point(need(f, "at", fp), fp + ".at");
    if (f.contains("size_pt")) item.size_pt = positive(f.at("size_pt"), fp + ".size_pt");
  } else if (f.contains("line")) {
    item.kind = FormItem::Kind::line;
    const json& l = f.at("line");
    if (!l.is_array() || l.size() != 4)
      throw TemplateError{fp + ".line", "should be [x1, y1, x2, y2]"};
    item.at = {number(l[0], fp + ".line[0]"), number(l[1], fp + ".line[1]")};
    item.to = {number(l[2], fp + ".line[2]"), number(l[3], fp + ".line[3]")};
  } else if (f.contains("rect")) {
    item.kind = FormItem::Kind::rect;
    item.rect = rect(f.at("rect"), fp + ".rect");
  } else {
    throw TemplateError{fp, "should have one of text, line, rect"};
  }
  return item;
}

PageTemplate page(const json& j, const std::string& kind, const std::string& path) {
  PageTemplate p;
  p.kind = kind;
  p.width_mm = positive(need(j, "width_mm", path), path + ".width_mm");
  p.height_mm = positive(need(j, "height_mm", path), path + ".height_mm");

  if (j.contains("fields")) {
    const json& fields = j.at("fields");
    for (std::size_t i = 0; i < fields.size(); ++i)
      p.fields.push_back(field_box(fields[i], p, path + ".fields[" + std::to_string(i) + "]"));
  }
  if (j.contains("qr_zone")) p.qr = qr_zone(j.at("qr_zone"), p, path + ".qr_zone");
  if (j.contains("form")) {
    const json& form = j.at("form");
    for (std::size_t i = 0; i < form.size(); ++i)
      p.form.push_back(form_item(form[i], path + ".form[" + std::to_string(i) + "]"));
  }
  return p;
}

}  // namespace

Result<Template> parse_template(std::string_view data, std::string_view origin) {
  const std::string where = "template " + std::string(origin);
  json j = json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error{where + ": not valid JSON"};
  try {
    Template t;
    t.name = text(need(j, "name", "$"), "$.name");
    t.font_family = text(need(need(j, "font", "$"), "family", "$.font"), "$.font.family");
    if (j.contains("notes")) t.notes = text(j.at("notes"), "$.notes");
    const json& pages = need(j, "pages", "$");
    t.info = page(need(pages, "info", "$.pages"), "info", "$.pages.info");
    t.page5 = page(need(pages, "page5", "$.pages"), "page5", "$.pages.page5");
    if (!t.page5.qr)
      throw TemplateError{"$.pages.page5.qr_zone", "missing: page 5 needs a QR zone"};
    if (t.info.qr)
      throw TemplateError{"$.pages.info.qr_zone", "not allowed: the QR is printed on page 5 only"};
    return t;
  } catch (const TemplateError& e) {
    return Error{where + ": " + e.path + " " + e.problem};
  } catch (const json::exception& e) {
    return Error{where + ": " + e.what()};
  }
}

Result<Template> load_template(const std::filesystem::path& path) {
  auto text = read_file(path, "template");
  if (!text) return text.error();
  return parse_template(*text, path.string());
}

}  // namespace certprint::layout
