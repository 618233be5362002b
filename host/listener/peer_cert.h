// The client certificate's names as EMQX put them into ConnInfo.peercert, so codecs that read
// cert_cn / cert_dn see the same strings in native mode (esockd_ssl:peer_cert_common_name/1 and
// peer_cert_subject/1):
//   cn  every commonName of the subject, joined with ","
//   dn  the subject as RFC 4514 text: RDNs last first, joined with ","; the attributes of a
//       multi-valued RDN joined with "+"; "CN=", "O=", ... ("EMAILADDRESS", "SERIALNUMBER", ...
//       upper case as esockd names them; unknown types as dotted OIDs); values escaped as esockd
//       does (\, \+ \" \; \< \> \\ and a leading # or space, a trailing space, bytes below 32 or
//       from 126 as \XX)
#pragma once

#include <openssl/ssl.h>

#include <string>

namespace exproto::host {

struct PeerCertNames {
  std::string cn;
  std::string dn;
};

// Empty names when the peer sent no certificate.
PeerCertNames peer_cert_names(SSL* ssl);
PeerCertNames cert_names(X509* cert);

}  // namespace exproto::host
