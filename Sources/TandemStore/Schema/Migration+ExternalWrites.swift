extension Migration {
    /// The `application_name` the engine's PostgreSQL connections carry. Writes from a session with any other name
    /// are writes from outside the engine (another application, psql, a batch job).
    public static let engineApplicationName = "tandem-engine"

    /// The channel the database notifies after a write from outside the engine commits; the payload is
    /// `{"model": …, "record_id": …, "version": n}`, the record's version after the write.
    public static let externalWriteChannel = "tandem_external_writes"

    /// Version 5 (PostgreSQL only): writes made directly in the database by another application become changes.
    ///
    /// A trigger on `tandem_records` turns an `UPDATE` (or `INSERT`) from outside the engine into what the engine
    /// would have written: one change-log row per field whose value differs (fields in name order, each at the next
    /// version, origin `db`, the database role as the user, change id `db-<transaction>-<version>`), the record's
    /// `version` and `field_versions` advanced to match, then `NOTIFY` on `externalWriteChannel`, delivered when the
    /// transaction commits. Nodes listening there catch their open sessions up from the change log, so collaborators
    /// get each write as `model_changed` once and in version order; the engine's own writes (its connections carry
    /// `engineApplicationName`) pass the trigger untouched and notify nothing.
    ///
    /// The writer changes `fields` only: the version columns are the trigger's (values written there are replaced). A
    /// field removed from `fields` becomes `null`. `fields` must stay a JSON object; a direct `DELETE` of a row is
    /// refused (it would leave the change log behind a record that no longer exists): delete through
    /// `DELETE /api/v1/<model>/<pk>`.
    static let externalWrites = Migration(
        version: 5,
        name: "writes from outside the engine",
        statements: [
            """
            CREATE FUNCTION tandem_external_write() RETURNS trigger LANGUAGE plpgsql AS $body$
            DECLARE
                field TEXT;
                old_fields JSONB := '{}'::jsonb;
                old_value JSONB;
                new_value JSONB;
                next_version BIGINT := 0;
                recreated BOOLEAN := false;
                now_ms BIGINT := floor(extract(epoch FROM clock_timestamp()) * 1000);
            BEGIN
                IF current_setting('application_name', true) = '\(engineApplicationName)' THEN
                    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
                END IF;
                IF TG_OP = 'DELETE' THEN
                    RAISE EXCEPTION 'tandem_records %:%: delete records through Tandem (DELETE /api/v1/%/%), not in the database: a row deleted here would leave its change log behind and collaborators would not hear of it',
                        OLD.model_name, OLD.record_id, lower(OLD.model_name), OLD.record_id;
                END IF;
                IF jsonb_typeof(NEW.fields) IS DISTINCT FROM 'object' THEN
                    RAISE EXCEPTION 'tandem_records %:%: fields must be a JSON object of field names to values, found %',
                        NEW.model_name, NEW.record_id, coalesce(jsonb_typeof(NEW.fields), 'NULL');
                END IF;
                IF TG_OP = 'UPDATE' THEN
                    IF NEW.model_name <> OLD.model_name OR NEW.record_id <> OLD.record_id THEN
                        RAISE EXCEPTION 'tandem_records %:%: a record''s model_name and record_id cannot change',
                            OLD.model_name, OLD.record_id;
                    END IF;
                    old_fields := OLD.fields;
                    next_version := OLD.version;
                    recreated := OLD.deleted <> 0;
                    NEW.field_versions := OLD.field_versions;
                    NEW.deleted := OLD.deleted;
                    NEW.pruned_through := OLD.pruned_through;
                ELSE
                    NEW.field_versions := '{}'::jsonb;
                    NEW.deleted := 0;
                    NEW.pruned_through := 0;
                END IF;
                FOR field IN
                    SELECT name FROM (
                        SELECT jsonb_object_keys(old_fields) AS name UNION SELECT jsonb_object_keys(NEW.fields)
                    ) AS names ORDER BY name COLLATE "C"
                LOOP
                    old_value := coalesce(old_fields -> field, 'null'::jsonb);
                    new_value := coalesce(NEW.fields -> field, 'null'::jsonb);
                    CONTINUE WHEN old_value = new_value;
                    next_version := next_version + 1;
                    INSERT INTO ab_model_change_log (change_id, model_name, record_id, session_id, field_name, version,
                        base_version, op, old_value, new_value, user_id, username, origin, conflict_id, created_at_ms,
                        change_type)
                    VALUES ('db-' || txid_current() || '-' || next_version, NEW.model_name, NEW.record_id,
                        NEW.model_name || ':' || NEW.record_id, field, next_version, next_version - 1, NULL, old_value,
                        new_value, 0, session_user, 'db', NULL, now_ms,
                        CASE WHEN next_version = 1 OR recreated THEN 'INSERT' ELSE 'UPDATE' END);
                    recreated := false;
                    NEW.deleted := 0;
                    NEW.fields := NEW.fields || jsonb_build_object(field, new_value);
                    NEW.field_versions := NEW.field_versions || jsonb_build_object(field, next_version);
                END LOOP;
                IF TG_OP = 'UPDATE' AND next_version = OLD.version THEN
                    NEW.version := OLD.version;
                    RETURN NEW;
                END IF;
                IF next_version = 0 THEN
                    RAISE EXCEPTION 'tandem_records %:%: a record needs at least one field', NEW.model_name, NEW.record_id;
                END IF;
                NEW.version := next_version;
                PERFORM pg_notify('\(externalWriteChannel)', json_build_object(
                    'model', NEW.model_name, 'record_id', NEW.record_id, 'version', next_version)::text);
                RETURN NEW;
            END
            $body$
            """,
            """
            CREATE TRIGGER tandem_external_write BEFORE INSERT OR UPDATE OR DELETE ON tandem_records
            FOR EACH ROW EXECUTE FUNCTION tandem_external_write()
            """,
        ],
        only: .postgres
    )
}
