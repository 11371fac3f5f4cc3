-- Hand-written (not generated): notify()'s insert (packages/db/src/notify.ts `notifyMany`) as a
-- function, so that PL/pgSQL caches its plan per connection: sent as a plain statement it was
-- planned afresh on every call, about a third of its cost in bench:notify's checkout. Same rows as
-- before: the org's active users of the given roles / ids but the actor, one per recipient and
-- event key (a repeat inserts nothing), the email per the recipient's preference (an owner's
-- security notice always by email). Returns how many rows it inserted.
CREATE FUNCTION "shanhai_notify"(items jsonb) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  told integer;
BEGIN
  INSERT INTO notifications (user_id, org_id, kind, subject_type, subject_id, params, link, event_key, email_status)
  SELECT u.id, u.org_id, i.kind, i.subject_type, i.subject_id, i.params, i.link, i.event_key,
    CASE WHEN i.force_owner_email AND u.role = 'owner' THEN 'pending'::email_status
         WHEN coalesce(p.email, true) THEN 'pending'::email_status
         ELSE 'off'::email_status END
  FROM jsonb_array_elements(items) WITH ORDINALITY AS e(item, ord)
  CROSS JOIN LATERAL jsonb_to_record(e.item) AS i(kind text, org_id uuid, roles text[], user_ids uuid[],
    except_user_id uuid, subject_type text, subject_id text, params jsonb, link text, event_key text,
    force_owner_email boolean)
  JOIN users u ON u.org_id = i.org_id AND u.status = 'active'
    AND (i.roles IS NULL OR u.role::text = ANY(i.roles))
    AND (i.user_ids IS NULL OR u.id = ANY(i.user_ids))
    AND (i.except_user_id IS NULL OR u.id <> i.except_user_id)
  LEFT JOIN notification_preferences p ON p.user_id = u.id AND p.kind = i.kind
  ORDER BY e.ord, u.id
  ON CONFLICT (user_id, event_key) DO NOTHING;
  GET DIAGNOSTICS told = ROW_COUNT;
  RETURN told;
END
$$;
