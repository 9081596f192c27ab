package dendritetest

import (
	"path/filepath"

	"go.yaml.in/yaml/v3"
)

// config is a version-2 Dendrite config for one test server: everything under dir, SQLite
// per component, no federation, no outside calls (stats, DNS, metrics, presence), NATS
// JetStream in memory, registration only by shared secret, cheap password hashing.
func config(dir string, o Options, secret string) ([]byte, error) {
	db := func(name string) map[string]any {
		return map[string]any{"connection_string": "file:" + filepath.Join(dir, name+".db")}
	}
	withDB := func(name string) map[string]any { return map[string]any{"database": db(name)} }
	rate := map[string]any{"enabled": false}
	if rl := o.RateLimit; rl != nil {
		exempt := []string{}
		for _, name := range rl.Exempt {
			exempt = append(exempt, userID(name, o.ServerName))
		}
		rate = map[string]any{
			"enabled":         true,
			"threshold":       rl.Threshold,
			"cooloff_ms":      rl.Cooloff.Milliseconds(),
			"exempt_user_ids": exempt,
		}
	}
	c := map[string]any{
		"version": 2,
		"global": map[string]any{
			"server_name":                    o.ServerName,
			"private_key":                    filepath.Join(dir, "matrix_key.pem"),
			"disable_federation":             true,
			"trusted_third_party_id_servers": []string{},
			"presence":                       map[string]any{"enable_inbound": false, "enable_outbound": false},
			"report_stats":                   map[string]any{"enabled": false},
			"server_notices":                 map[string]any{"enabled": false},
			"metrics":                        map[string]any{"enabled": false},
			"dns_cache":                      map[string]any{"enabled": false},
			// Small: several servers may run at once, each with a handful of rooms.
			"cache":     map[string]any{"max_size_estimated": "32mb", "max_age": "1h"},
			"jetstream": map[string]any{"in_memory": true, "storage_path": filepath.Join(dir, "jetstream")},
		},
		"app_service_api": map[string]any{"config_files": []string{}},
		"client_api": map[string]any{
			"registration_disabled":      true,
			"registration_shared_secret": secret,
			"guests_disabled":            true,
			"rate_limiting":              rate,
		},
		"federation_api": withDB("federationapi"),
		"key_server":     withDB("keyserver"),
		"media_api": map[string]any{
			"database":            db("mediaapi"),
			"base_path":           filepath.Join(dir, "media"),
			"max_file_size_bytes": 10 << 20,
		},
		"mscs":        map[string]any{"mscs": []string{}, "database": db("mscs")},
		"relay_api":   withDB("relayapi"),
		"room_server": withDB("roomserver"),
		"sync_api": map[string]any{
			"database": db("syncapi"),
			"search":   map[string]any{"enabled": false},
		},
		"user_api": map[string]any{
			"account_database": db("userapi"),
			"bcrypt_cost":      4, // the minimum: registrations and logins are part of every test
		},
		"tracing": map[string]any{"enabled": false},
		"logging": []map[string]any{{"type": "std", "level": "info"}},
	}
	return yaml.Marshal(c)
}
