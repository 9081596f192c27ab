package watch

import "stagebot/storage"

// StateStore keeps a watcher's baselines across restarts.
type StateStore interface {
	Load(key string, v any) (bool, error)
	Save(key string, v any) error
}

// MetaStore keeps watcher state in bbolt's meta bucket.
type MetaStore struct{ DB *storage.DB }

func (m MetaStore) Load(key string, v any) (bool, error) {
	var found bool
	err := m.DB.View(func(tx *storage.Tx) error {
		var err error
		found, err = tx.MetaJSON(key, v)
		return err
	})
	return found, err
}

func (m MetaStore) Save(key string, v any) error {
	return m.DB.Update(func(tx *storage.Tx) error { return tx.SetMetaJSON(key, v) })
}
