// JSON Web Tokens: verification for every request and handshake, issuing for development.
// Signatures are libjwt's; what is ours is the policy around them (which algorithm, which claims).
#pragma once

#include "routing/http.h"
#include "user.h"

#include <variant>

namespace cortado::auth {

enum class Algorithm { HS256, RS256 };

// What the configuration says about tokens (cortado::Config::tokens; docs/configuration.md): key
// material by value or by file, not yet read. TokenConfig::fromSettings() resolves it.
struct TokenSettings
{
    QByteArray secret; // HS256 shared secret (CORTADO_JWT_SECRET), at least 32 bytes
    QString publicKeyFile; // RS256 public key (PEM); selects RS256
    QString privateKeyFile; // RS256 private key, only to issue tokens (`cortado-server token`)
    QString issuer; // required "iss" when set
    QString audience; // required in "aud" when set
    int leewaySeconds = 30;
    int expiryWarningSeconds = 60;
    QByteArray apiKey; // see TokenConfig::apiKey; at least 32 bytes
};

struct TokenConfig
{
    Algorithm algorithm = Algorithm::HS256;
    QByteArray verificationKey; // HS256: the shared secret; RS256: the public key (PEM)
    QByteArray signingKey; // HS256: the shared secret; RS256: the private key (PEM), optional
    QString issuer; // required "iss" when set
    QString audience; // required in "aud" when set
    int leewaySeconds = 30; // clock skew allowed for exp and nbf
    int expiryWarningSeconds = 60; // system:token_expiring goes out this long before exp
    // A server API key (CORTADO_API_KEY, at least 32 bytes): "Authorization: Bearer <key>" on a REST
    // request acts as the user "api-key" with the "publisher" role. Empty: no key.
    QByteArray apiKey;

    // The keys `settings` name, read and checked. With no key configured, a random development
    // secret is generated once and kept in `dataDir`/jwt-secret (owner-only permissions); `notice`
    // then says so. std::nullopt with `error` set when a key file is unreadable or a key too short.
    static std::optional<TokenConfig> fromSettings(const TokenSettings &settings,
                                                   const QString &dataDir, QString *error,
                                                   QString *notice);
};

class TokenVerifier
{
public:
    explicit TokenVerifier(TokenConfig config) : m_config(std::move(config)) { }

    // The user a token names, or an `unauthorized` Error whose details.reason is one of
    // malformed, algorithm, signature, expired, not_yet_valid, issuer, audience, claims.
    std::variant<User, Error> verify(QByteArrayView token) const;

    const TokenConfig &config() const { return m_config; }

private:
    TokenConfig m_config;
};

// The two halves of verify() around libjwt's signature check, public so that the fuzzer and tests
// can reach them with untrusted input:
// - the checks on the raw token before libjwt sees it (three parts, base64url JSON header and
//   payload, the configured "alg", a signature part); std::nullopt when libjwt may have it;
std::optional<Error> checkTokenFront(QByteArrayView token, Algorithm algorithm);
// - the claims of a token whose signature verified, at time `now` (seconds since the epoch): the
//   user, or a refusal with reason expired, not_yet_valid, issuer, audience or claims.
std::variant<User, Error> userFromClaims(const QJsonObject &claims, const TokenConfig &config,
                                         qint64 now);

// Signs `claims` with the configured algorithm and signing key; empty on failure.
QByteArray issueToken(const TokenConfig &config, const QJsonObject &claims);

// A token for `user` (sub) with a display `name` (the id when empty) and `roles`, valid `ttlSeconds`
// from now, with the configured issuer and audience: `cortado-server token` and admin:mint_token.
// Empty when this server cannot sign (RS256 with a public key only).
QByteArray issueUserToken(const TokenConfig &config, const QString &user, const QString &name,
                          const QStringList &roles, qint64 ttlSeconds);

} // namespace cortado::auth
