/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upd-error.h"
#include "upd-file-private.h"
#include "upd-i18n-private.h"
#include "upd-key.h"
#include "upd-sha256-private.h"

/*
 * Key formats
 *
 * Public key line (what `updater-publish keygen` prints, what PREFIX.pub
 * holds and what an application's PublicKey= takes):
 *
 *     ed25519:<key id>:<base64 of the 32-byte public key>
 *
 * The key id is the first 8 bytes of SHA-256 over the raw public key as 16
 * lowercase hex digits; signatures carry it so a client with several pinned
 * keys knows which one to use.
 *
 * Secret key file (PREFIX.secret, mode 0600, a GKeyFile):
 *
 *     [Updater Secret Key]
 *     Algorithm=ed25519
 *     KeyId=<key id>
 *     PublicKey=<public key line>
 *     SecretKey=<base64 of the 32-byte Ed25519 seed>
 *
 * A secret key file readable by group or others is refused, as ssh does.
 */

#define UPD_KEY_ALGORITHM    "ed25519"
#define UPD_KEY_GROUP	     "Updater Secret Key"
#define UPD_ED25519_KEY_LEN  32
#define UPD_ED25519_SIG_LEN  64
#define UPD_KEY_LINE_MAX_LEN 256

struct _UpdKey {
	GObject parent_instance;
	gchar id[UPD_KEY_ID_LEN + 1];
	guint8 public_key[UPD_ED25519_KEY_LEN];
	guint8 *secret_key; /* (owned) (nullable): UPD_ED25519_KEY_LEN bytes */
	gnutls_pubkey_t pubkey;
	gnutls_privkey_t privkey; /* (nullable) */
};

G_DEFINE_TYPE(UpdKey, upd_key, G_TYPE_OBJECT)

static void
upd_key_finalize(GObject *object)
{
	UpdKey *self = UPD_KEY(object);

	if (self->secret_key != NULL) {
		explicit_bzero(self->secret_key, UPD_ED25519_KEY_LEN);
		g_free(self->secret_key);
	}
	if (self->pubkey != NULL)
		gnutls_pubkey_deinit(self->pubkey);
	if (self->privkey != NULL)
		gnutls_privkey_deinit(self->privkey);
	G_OBJECT_CLASS(upd_key_parent_class)->finalize(object);
}

static void
upd_key_class_init(UpdKeyClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->finalize = upd_key_finalize;
}

static void
upd_key_init(UpdKey *self)
{
}

static void
upd_key_compute_id(const guint8 *public_key, gchar id[UPD_KEY_ID_LEN + 1])
{
	guint8 digest[UPD_SHA256_LEN];
	g_autofree gchar *hex = NULL;

	upd_sha256_data(public_key, UPD_ED25519_KEY_LEN, digest);
	hex = upd_sha256_to_hex(digest);
	memcpy(id, hex, UPD_KEY_ID_LEN);
	id[UPD_KEY_ID_LEN] = '\0';
}

static gboolean
upd_key_set_error_gnutls(GError **error, int rc, const gchar *what)
{
	g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_KEY,
		    /* TRANSLATORS: the first %s says what failed (e.g. "cannot import the public
		       key"), the second is the reason given by GnuTLS */
		    _("%s: %s"), what, gnutls_strerror(rc));
	return FALSE;
}

static gpointer
upd_key_fail_gnutls(GError **error, int rc, const gchar *what)
{
	upd_key_set_error_gnutls(error, rc, what);
	return NULL;
}

/* builds the GnuTLS handles from the raw key bytes */
static UpdKey *
upd_key_new_from_raw(const guint8 *public_key, const guint8 *secret_key, GError **error)
{
	g_autoptr(UpdKey) self = g_object_new(UPD_TYPE_KEY, NULL);
	gnutls_datum_t x = {(guchar *)public_key, UPD_ED25519_KEY_LEN};
	int rc;

	memcpy(self->public_key, public_key, UPD_ED25519_KEY_LEN);
	upd_key_compute_id(public_key, self->id);

	rc = gnutls_pubkey_init(&self->pubkey);
	if (rc < 0)
		return upd_key_fail_gnutls(error, rc, _("cannot create a public key"));
	rc = gnutls_pubkey_import_ecc_raw(self->pubkey, GNUTLS_ECC_CURVE_ED25519, &x, NULL);
	if (rc < 0)
		return upd_key_fail_gnutls(error, rc, _("cannot import the public key"));

	if (secret_key != NULL) {
		gnutls_datum_t k = {(guchar *)secret_key, UPD_ED25519_KEY_LEN};
		rc = gnutls_privkey_init(&self->privkey);
		if (rc < 0)
			return upd_key_fail_gnutls(error, rc, _("cannot create a secret key"));
		rc = gnutls_privkey_import_ecc_raw(self->privkey, GNUTLS_ECC_CURVE_ED25519, &x,
						   NULL, &k);
		if (rc < 0)
			return upd_key_fail_gnutls(error, rc, _("cannot import the secret key"));
		self->secret_key = g_memdup2(secret_key, UPD_ED25519_KEY_LEN);
	}
	return g_steal_pointer(&self);
}

/**
 * upd_key_generate:
 * @error: (nullable): return location for a #GError
 *
 * Generates a new Ed25519 signing key.
 *
 * Returns: (transfer full): a key with its secret half, or %NULL
 *
 * Since: 0.1
 */
UpdKey *
upd_key_generate(GError **error)
{
	gnutls_privkey_t privkey = NULL;
	gnutls_datum_t x = {NULL, 0};
	gnutls_datum_t k = {NULL, 0};
	gnutls_ecc_curve_t curve;
	UpdKey *self = NULL;
	int rc;

	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	rc = gnutls_privkey_init(&privkey);
	if (rc >= 0)
		rc = gnutls_privkey_generate2(privkey, GNUTLS_PK_EDDSA_ED25519,
					      GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519), 0,
					      NULL, 0);
	if (rc >= 0)
		rc = gnutls_privkey_export_ecc_raw2(privkey, &curve, &x, NULL, &k, 0);
	if (rc < 0) {
		upd_key_set_error_gnutls(error, rc, _("cannot generate an Ed25519 key"));
	} else if (x.size != UPD_ED25519_KEY_LEN || k.size != UPD_ED25519_KEY_LEN) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_KEY,
			    _("GnuTLS returned an Ed25519 key of unexpected size"));
	} else {
		self = upd_key_new_from_raw(x.data, k.data, error);
	}
	if (k.data != NULL) {
		explicit_bzero(k.data, k.size);
		gnutls_free(k.data);
	}
	gnutls_free(x.data);
	if (privkey != NULL)
		gnutls_privkey_deinit(privkey);
	return self;
}

static gboolean
upd_key_decode_base64(const gchar *what,
		      const gchar *text,
		      guint8 out[UPD_ED25519_KEY_LEN],
		      GError **error)
{
	g_autofree guchar *raw = NULL;
	gsize len = 0;

	/* g_base64_decode() accepts garbage silently: check the alphabet first */
	for (const gchar *p = text; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && *p != '+' && *p != '/' && *p != '=') {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_KEY,
				    _("%s is not valid base64"), what);
			return FALSE;
		}
	}
	raw = g_base64_decode(text, &len);
	if (len != UPD_ED25519_KEY_LEN) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_KEY,
			    _("%s has %u bytes instead of %u"), what, (guint)len,
			    (guint)UPD_ED25519_KEY_LEN);
		if (raw != NULL)
			explicit_bzero(raw, len);
		return FALSE;
	}
	memcpy(out, raw, UPD_ED25519_KEY_LEN);
	explicit_bzero(raw, len);
	return TRUE;
}

/**
 * upd_key_new_from_public_line:
 * @line: a public key line, `ed25519:<key id>:<base64>`
 * @error: (nullable): return location for a #GError
 *
 * Parses a public key line as printed by `updater-publish keygen`. The key id
 * in the line must match the key.
 *
 * Returns: (transfer full): a public key, or %NULL with %UPD_ERROR_INVALID_KEY
 *
 * Since: 0.1
 */
UpdKey *
upd_key_new_from_public_line(const gchar *line, GError **error)
{
	g_autofree gchar *stripped = NULL;
	g_auto(GStrv) parts = NULL;
	guint8 public_key[UPD_ED25519_KEY_LEN];
	gchar id[UPD_KEY_ID_LEN + 1];

	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (line == NULL || strlen(line) > UPD_KEY_LINE_MAX_LEN) {
		g_set_error_literal(error, UPD_ERROR, UPD_ERROR_INVALID_KEY,
				    _("the public key line is missing or too long"));
		return NULL;
	}
	stripped = g_strstrip(g_strdup(line));
	parts = g_strsplit(stripped, ":", -1);
	if (g_strv_length(parts) != 3 || g_strcmp0(parts[0], UPD_KEY_ALGORITHM) != 0) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_KEY,
			    _("public key “%s” is not of the form ed25519:KEYID:BASE64"), stripped);
		return NULL;
	}
	if (!upd_key_decode_base64(_("the public key"), parts[2], public_key, error))
		return NULL;
	upd_key_compute_id(public_key, id);
	if (g_strcmp0(id, parts[1]) != 0) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_KEY,
			    _("public key id %s does not match the key (its id is %s)"), parts[1],
			    id);
		return NULL;
	}
	return upd_key_new_from_raw(public_key, NULL, error);
}

/**
 * upd_key_parse_public_lines:
 * @text: one or more public key lines separated by `;` or newlines
 * @error: (nullable): return location for a #GError
 *
 * Parses the value of an application's `PublicKey=`. Several keys let a
 * publisher rotate keys. Empty entries are ignored; at least one key is
 * required, and the same key twice is an error.
 *
 * Returns: (transfer container) (element-type UpdKey): the keys, or %NULL
 *
 * Since: 0.1
 */
GPtrArray *
upd_key_parse_public_lines(const gchar *text, GError **error)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_object_unref);
	g_auto(GStrv) lines = NULL;

	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	lines = g_strsplit_set(text != NULL ? text : "", ";\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_autoptr(UpdKey) key = NULL;
		g_strstrip(lines[i]);
		if (lines[i][0] == '\0')
			continue;
		key = upd_key_new_from_public_line(lines[i], error);
		if (key == NULL)
			return NULL;
		for (guint j = 0; j < keys->len; j++) {
			if (g_strcmp0(upd_key_get_id(g_ptr_array_index(keys, j)),
				      upd_key_get_id(key)) == 0) {
				g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_KEY,
					    _("public key %s is listed twice"),
					    upd_key_get_id(key));
				return NULL;
			}
		}
		g_ptr_array_add(keys, g_steal_pointer(&key));
	}
	if (keys->len == 0) {
		g_set_error_literal(error, UPD_ERROR, UPD_ERROR_INVALID_KEY,
				    _("no public key is given"));
		return NULL;
	}
	return g_steal_pointer(&keys);
}

/**
 * upd_key_new_from_secret_file:
 * @path: a file written by upd_key_save_secret_file()
 * @error: (nullable): return location for a #GError
 *
 * Loads a signing key. A file that group or others can read is refused.
 *
 * Returns: (transfer full): the key with its secret half, or %NULL
 *
 * Since: 0.1
 */
UpdKey *
upd_key_new_from_secret_file(const gchar *path, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *algorithm = NULL;
	g_autofree gchar *secret_b64 = NULL;
	g_autofree gchar *public_line = NULL;
	g_autoptr(UpdKey) public_key = NULL;
	g_autoptr(UpdKey) self = NULL;
	g_autoptr(GBytes) probe = g_bytes_new_static("libupdater key check", 20);
	g_autoptr(GBytes) probe_sig = NULL;
	guint8 secret[UPD_ED25519_KEY_LEN];
	struct stat st;

	g_return_val_if_fail(path != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (stat(path, &st) != 0) {
		int errsv = errno;
		g_set_error(error, UPD_ERROR, errsv == ENOENT ? UPD_ERROR_NOT_FOUND : UPD_ERROR_IO,
			    _("cannot read secret key %s: %s"), path, g_strerror(errsv));
		return NULL;
	}
	if ((st.st_mode & 077) != 0) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_KEY,
			    _("secret key %s is readable by others (mode %04o); "
			      "run chmod 600 on it"),
			    path, (guint)(st.st_mode & 07777));
		return NULL;
	}
	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &error_local)) {
		g_set_error(error, UPD_ERROR,
			    error_local->domain == G_FILE_ERROR ? UPD_ERROR_IO
								: UPD_ERROR_INVALID_KEY,
			    _("cannot read secret key %s: %s"), path, error_local->message);
		return NULL;
	}
	algorithm = g_key_file_get_string(kf, UPD_KEY_GROUP, "Algorithm", NULL);
	secret_b64 = g_key_file_get_string(kf, UPD_KEY_GROUP, "SecretKey", NULL);
	public_line = g_key_file_get_string(kf, UPD_KEY_GROUP, "PublicKey", NULL);
	if (g_strcmp0(algorithm, UPD_KEY_ALGORITHM) != 0 || secret_b64 == NULL ||
	    public_line == NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_KEY,
			    _("%s is not an ed25519 secret key file of libupdater"), path);
		return NULL;
	}
	public_key = upd_key_new_from_public_line(public_line, error);
	if (public_key == NULL) {
		g_prefix_error(error, "%s: ", path);
		return NULL;
	}
	if (!upd_key_decode_base64(_("the secret key"), secret_b64, secret, error)) {
		g_prefix_error(error, "%s: ", path);
		return NULL;
	}
	self = upd_key_new_from_raw(public_key->public_key, secret, error);
	explicit_bzero(secret, sizeof(secret));
	explicit_bzero(secret_b64, strlen(secret_b64));
	if (self == NULL) {
		g_prefix_error(error, "%s: ", path);
		return NULL;
	}

	/* the two halves must belong together, or every signature would fail later */
	probe_sig = upd_key_sign(self, probe, error);
	if (probe_sig == NULL)
		return NULL;
	if (!upd_key_verify(self, probe, probe_sig, NULL)) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_KEY,
			    _("%s: the secret key does not belong to its public key"), path);
		return NULL;
	}
	return g_steal_pointer(&self);
}

/**
 * upd_key_get_id:
 * @self: an #UpdKey
 *
 * Returns: (transfer none): the key id, 16 lowercase hex digits
 *
 * Since: 0.1
 */
const gchar *
upd_key_get_id(UpdKey *self)
{
	g_return_val_if_fail(UPD_IS_KEY(self), NULL);
	return self->id;
}

/**
 * upd_key_has_secret:
 * @self: an #UpdKey
 *
 * Returns: %TRUE if the key can sign
 *
 * Since: 0.1
 */
gboolean
upd_key_has_secret(UpdKey *self)
{
	g_return_val_if_fail(UPD_IS_KEY(self), FALSE);
	return self->privkey != NULL;
}

/**
 * upd_key_to_public_line:
 * @self: an #UpdKey
 *
 * Returns: (transfer full): the public key line, `ed25519:<key id>:<base64>`
 *
 * Since: 0.1
 */
gchar *
upd_key_to_public_line(UpdKey *self)
{
	g_autofree gchar *b64 = NULL;

	g_return_val_if_fail(UPD_IS_KEY(self), NULL);
	b64 = g_base64_encode(self->public_key, UPD_ED25519_KEY_LEN);
	return g_strdup_printf("%s:%s:%s", UPD_KEY_ALGORITHM, self->id, b64);
}

/**
 * upd_key_save_secret_file:
 * @self: an #UpdKey with its secret half
 * @path: file to create; it must not exist
 * @error: (nullable): return location for a #GError
 *
 * Writes the signing key with mode 0600. An existing file is never replaced.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
upd_key_save_secret_file(UpdKey *self, const gchar *path, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree gchar *public_line = NULL;
	g_autofree gchar *secret_b64 = NULL;
	g_autofree gchar *data = NULL;
	gsize len = 0;
	gboolean ok;

	g_return_val_if_fail(UPD_IS_KEY(self), FALSE);
	g_return_val_if_fail(path != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (self->secret_key == NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
			    _("key %s has no secret half to save"), self->id);
		return FALSE;
	}
	public_line = upd_key_to_public_line(self);
	secret_b64 = g_base64_encode(self->secret_key, UPD_ED25519_KEY_LEN);
	g_key_file_set_comment(kf, NULL, NULL,
			       " libupdater Ed25519 signing key. Keep it secret: whoever holds it\n"
			       " can publish updates that your users will install.",
			       NULL);
	g_key_file_set_string(kf, UPD_KEY_GROUP, "Algorithm", UPD_KEY_ALGORITHM);
	g_key_file_set_string(kf, UPD_KEY_GROUP, "KeyId", self->id);
	g_key_file_set_string(kf, UPD_KEY_GROUP, "PublicKey", public_line);
	g_key_file_set_string(kf, UPD_KEY_GROUP, "SecretKey", secret_b64);
	data = g_key_file_to_data(kf, &len, NULL);
	ok = upd_file_create_exclusive(path, data, len, 0600, error);
	explicit_bzero(secret_b64, strlen(secret_b64));
	explicit_bzero(data, len);
	return ok;
}

/**
 * upd_key_save_public_file:
 * @self: an #UpdKey
 * @path: file to create; it must not exist
 * @error: (nullable): return location for a #GError
 *
 * Writes the public key line and a newline, mode 0644.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
upd_key_save_public_file(UpdKey *self, const gchar *path, GError **error)
{
	g_autofree gchar *line = NULL;
	g_autofree gchar *data = NULL;

	g_return_val_if_fail(UPD_IS_KEY(self), FALSE);
	g_return_val_if_fail(path != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	line = upd_key_to_public_line(self);
	data = g_strdup_printf("%s\n", line);
	return upd_file_create_exclusive(path, data, strlen(data), 0644, error);
}

/**
 * upd_key_sign:
 * @self: an #UpdKey with its secret half
 * @data: bytes to sign
 * @error: (nullable): return location for a #GError
 *
 * Returns: (transfer full): the 64-byte Ed25519 signature, or %NULL
 *
 * Since: 0.1
 */
GBytes *
upd_key_sign(UpdKey *self, GBytes *data, GError **error)
{
	gnutls_datum_t in;
	gnutls_datum_t sig = {NULL, 0};
	GBytes *result;
	gsize len = 0;
	int rc;

	g_return_val_if_fail(UPD_IS_KEY(self), NULL);
	g_return_val_if_fail(data != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (self->privkey == NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
			    _("key %s has no secret half and cannot sign"), self->id);
		return NULL;
	}
	in.data = (guchar *)g_bytes_get_data(data, &len);
	in.size = len;
	rc = gnutls_privkey_sign_data2(self->privkey, GNUTLS_SIGN_EDDSA_ED25519, 0, &in, &sig);
	if (rc < 0) {
		upd_key_set_error_gnutls(error, rc, _("cannot sign"));
		return NULL;
	}
	result = g_bytes_new(sig.data, sig.size);
	gnutls_free(sig.data);
	return result;
}

/**
 * upd_key_verify:
 * @self: an #UpdKey
 * @data: signed bytes
 * @signature: the signature
 * @error: (nullable): return location for a #GError
 *
 * Returns: %TRUE if @signature is a valid signature of @data by this key;
 *   otherwise %FALSE with %UPD_ERROR_SIGNATURE_INVALID
 *
 * Since: 0.1
 */
gboolean
upd_key_verify(UpdKey *self, GBytes *data, GBytes *signature, GError **error)
{
	gnutls_datum_t in;
	gnutls_datum_t sig;
	gsize len = 0;
	int rc;

	g_return_val_if_fail(UPD_IS_KEY(self), FALSE);
	g_return_val_if_fail(data != NULL, FALSE);
	g_return_val_if_fail(signature != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (g_bytes_get_size(signature) != UPD_ED25519_SIG_LEN) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_SIGNATURE_INVALID,
			    _("signature by key %s has %u bytes instead of %u"), self->id,
			    (guint)g_bytes_get_size(signature), (guint)UPD_ED25519_SIG_LEN);
		return FALSE;
	}
	in.data = (guchar *)g_bytes_get_data(data, &len);
	in.size = len;
	sig.data = (guchar *)g_bytes_get_data(signature, &len);
	sig.size = len;
	rc = gnutls_pubkey_verify_data2(self->pubkey, GNUTLS_SIGN_EDDSA_ED25519, 0, &in, &sig);
	if (rc < 0) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_SIGNATURE_INVALID,
			    _("signature by key %s does not verify: %s"), self->id,
			    gnutls_strerror(rc));
		return FALSE;
	}
	return TRUE;
}
