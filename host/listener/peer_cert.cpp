#include "host/listener/peer_cert.h"

#include <openssl/objects.h>
#include <openssl/x509.h>

#include <memory>
#include <vector>

namespace exproto::host {

namespace {

const char* esockd_name(int nid) {
  switch (nid) {
    case NID_surname: return "SN";
    case NID_givenName: return "GIVENNAME";
    case NID_initials: return "INITIALS";
    case NID_generationQualifier: return "GENERATIONQUALIFIER";
    case NID_commonName: return "CN";
    case NID_localityName: return "L";
    case NID_stateOrProvinceName: return "ST";
    case NID_organizationName: return "O";
    case NID_organizationalUnitName: return "OU";
    case NID_title: return "TITLE";
    case NID_countryName: return "C";
    case NID_serialNumber: return "SERIALNUMBER";
    case NID_pseudonym: return "PSEUDONYM";
    case NID_domainComponent: return "DC";
    case NID_pkcs9_emailAddress: return "EMAILADDRESS";
    case NID_streetAddress: return "STREET";
    case NID_userId: return "UID";
    default: return nullptr;
  }
}

std::string utf8_value(X509_NAME_ENTRY* e) {
  unsigned char* out = nullptr;
  const int n = ASN1_STRING_to_UTF8(&out, X509_NAME_ENTRY_get_data(e));
  if (n < 0) return {};
  std::string s(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
  OPENSSL_free(out);
  return s;
}

// esockd_ssl:escape_rdn_value/1: a leading space or # is escaped, then every character (the
// first one too) by the middle rules; a trailing space is escaped.
std::string escape(const std::string& v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(v.size() + 8);
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto c = static_cast<unsigned char>(v[i]);
    if (i == 0 && (c == ' ' || c == '#')) {
      out += '\\';
      out += static_cast<char>(c);
    } else if (i != 0 && c == ' ' && i + 1 == v.size()) {
      out += "\\ ";
    } else if ((c == '"' || c == '+' || c == ',' || c == ';' || c == '<' || c == '>' || c == '\\')) {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 32 || c >= 126) {
      out += '\\';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string attribute(X509_NAME_ENTRY* e) {
  ASN1_OBJECT* obj = X509_NAME_ENTRY_get_object(e);
  std::string type;
  if (const char* name = esockd_name(OBJ_obj2nid(obj))) {
    type = name;
  } else {
    char dotted[128];
    const int n = OBJ_obj2txt(dotted, sizeof dotted, obj, 1);
    type = n > 0 ? std::string(dotted, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof dotted - 1)) : "?";
  }
  return type + "=" + escape(utf8_value(e));
}

}  // namespace

PeerCertNames cert_names(X509* cert) {
  PeerCertNames names;
  if (cert == nullptr) return names;
  X509_NAME* subject = X509_get_subject_name(cert);
  if (subject == nullptr) return names;
  // RDNs in encoding order, each the attributes of one set.
  std::vector<std::string> rdns;
  int current_set = -1;
  const int count = X509_NAME_entry_count(subject);
  for (int i = 0; i < count; ++i) {
    X509_NAME_ENTRY* e = X509_NAME_get_entry(subject, i);
    const int set = X509_NAME_ENTRY_set(e);
    if (set != current_set || rdns.empty()) {
      rdns.emplace_back();
      current_set = set;
    } else {
      rdns.back() += '+';
    }
    rdns.back() += attribute(e);
    if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) == NID_commonName) {
      if (!names.cn.empty()) names.cn += ',';
      names.cn += utf8_value(e);
    }
  }
  for (auto it = rdns.rbegin(); it != rdns.rend(); ++it) {
    if (!names.dn.empty()) names.dn += ',';
    names.dn += *it;
  }
  return names;
}

PeerCertNames peer_cert_names(SSL* ssl) {
  std::unique_ptr<X509, decltype(&X509_free)> cert(SSL_get1_peer_certificate(ssl), &X509_free);
  return cert_names(cert.get());
}

}  // namespace exproto::host
