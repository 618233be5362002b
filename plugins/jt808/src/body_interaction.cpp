// Driver interaction commands: event settings 0x8301, question 0x8302, info menu 0x8303, info
// 0x8304, call back 0x8400, phone book 0x8401. Every length byte/word is computed from the string
// it prefixes (EMQX copies some of them from the JSON); decoding reports them under EMQX's names.
#include "body.hpp"

namespace jt808 {
namespace {

std::span<const std::uint8_t> prefixed(Reader& r, bool word) { return r.take(word ? r.u16() : r.u8()); }
void put_prefixed(Writer& w, const std::string& s, bool word) {
  if (s.size() > (word ? 0xffffu : 0xffu)) throw BodyError("string too long for its length field");
  if (word) {
    w.u16(s.size());
  } else {
    w.u8(s.size());
  }
  w.raw(s);
}

// 0x8301 (events: id BYTE, content BYTE-prefixed) and 0x8303 (menus: type BYTE, info WORD-prefixed).
template <bool Menu>
Json list_decode(Reader& r, const BodyContext& ctx) {
  Json o;
  o["type"] = r.u8();
  const auto n = r.u8();
  o["length"] = n;
  Json items = Json::array();
  for (unsigned i = 0; i < n; ++i) {
    Json item;
    item[Menu ? "type" : "id"] = r.u8();
    const auto text = prefixed(r, Menu);
    item["length"] = text.size();
    item[Menu ? "info" : "content"] = text_up(text, ctx);
    items.push_back(std::move(item));
  }
  o[Menu ? "menus" : "events"] = std::move(items);
  return o;
}
template <bool Menu>
void list_encode(const Json& b, Writer& w, const BodyContext& ctx) {
  w.u8(get_uint(b, "type", 0xff));
  const auto& items = get_array(b, Menu ? "menus" : "events");
  if (items.size() > 0xff) throw BodyError("more than 255 items");
  w.u8(items.size());
  for (const auto& item : items) {
    w.u8(get_uint(item, Menu ? "type" : "id", 0xff));
    put_prefixed(w, get_text(item, Menu ? "info" : "content", ctx), Menu);
  }
}

Json question_decode(Reader& r, const BodyContext& ctx) {
  Json o;
  o["flag"] = r.u8();
  const auto q = prefixed(r, false);
  o["length"] = q.size();
  o["question"] = text_up(q, ctx);
  Json answers = Json::array();
  while (!r.done()) {
    Json a;
    a["id"] = r.u8();
    const auto text = prefixed(r, true);
    a["len"] = text.size();
    a["answer"] = text_up(text, ctx);
    answers.push_back(std::move(a));
  }
  o["answers"] = std::move(answers);
  return o;
}
void question_encode(const Json& b, Writer& w, const BodyContext& ctx) {
  w.u8(get_uint(b, "flag", 0xff));
  put_prefixed(w, get_text(b, "question", ctx), false);
  if (!b.contains("answers")) return;
  for (const auto& a : get_array(b, "answers")) {
    w.u8(get_uint(a, "id", 0xff));
    put_prefixed(w, get_text(a, "answer", ctx), true);
  }
}

Json info_decode(Reader& r, const BodyContext& ctx) {
  Json o;
  o["type"] = r.u8();
  const auto text = prefixed(r, true);
  o["length"] = text.size();
  o["info"] = text_up(text, ctx);
  return o;
}
void info_encode(const Json& b, Writer& w, const BodyContext& ctx) {
  w.u8(get_uint(b, "type", 0xff));
  put_prefixed(w, get_text(b, "info", ctx), true);
}

Json call_decode(Reader& r, const BodyContext&) {
  Json o;
  o["type"] = r.u8();
  o["phone"] = as_string(r.rest());
  return o;
}
void call_encode(const Json& b, Writer& w, const BodyContext&) {
  w.u8(get_uint(b, "type", 0xff));
  w.raw(get_string(b, "phone"));
}

Json book_decode(Reader& r, const BodyContext& ctx) {
  Json o;
  o["type"] = r.u8();
  const auto n = r.u8();
  o["length"] = n;
  Json contacts = Json::array();
  for (unsigned i = 0; i < n; ++i) {
    Json c;
    c["type"] = r.u8();
    const auto phone = prefixed(r, false);
    c["phone_len"] = phone.size();
    c["phone"] = as_string(phone);
    const auto name = prefixed(r, false);
    c["name_len"] = name.size();
    c["name"] = text_up(name, ctx);
    contacts.push_back(std::move(c));
  }
  o["contacts"] = std::move(contacts);
  return o;
}
void book_encode(const Json& b, Writer& w, const BodyContext& ctx) {
  w.u8(get_uint(b, "type", 0xff));
  const auto& contacts = b.contains("contacts") ? get_array(b, "contacts") : Json::array();
  if (contacts.size() > 0xff) throw BodyError("more than 255 \"contacts\"");
  w.u8(contacts.size());
  for (const auto& c : contacts) {
    w.u8(get_uint(c, "type", 0xff));
    put_prefixed(w, get_string(c, "phone"), false);
    put_prefixed(w, get_text(c, "name", ctx), false);
  }
}

constexpr BodyCodec kCodecs[] = {
    {0x8301, list_decode<false>, list_encode<false>},
    {0x8302, question_decode, question_encode},
    {0x8303, list_decode<true>, list_encode<true>},
    {0x8304, info_decode, info_encode},
    {0x8400, call_decode, call_encode},
    {0x8401, book_decode, book_encode},
};

}  // namespace

std::span<const BodyCodec> interaction_bodies() { return kCodecs; }

}  // namespace jt808
