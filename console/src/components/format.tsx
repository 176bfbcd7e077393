const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateTimeSeconds = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** A timestamp in the reader's locale and time zone, machine-readable in `datetime`. */
export function Time({
  value,
  seconds = false,
  empty = '—',
}: {
  value: string | number | null;
  seconds?: boolean;
  empty?: string;
}) {
  if (value === null) return <span class="muted">{empty}</span>;
  const date = new Date(value);
  return (
    <time dateTime={date.toISOString()} title={date.toISOString()}>
      {(seconds ? dateTimeSeconds : dateTime).format(date)}
    </time>
  );
}

export function formatTime(value: number): string {
  return dateTime.format(new Date(value));
}

/** A `datetime-local` value (the reader's local time) as the API's ISO 8601 with a time zone. */
export function localInputToIso(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
