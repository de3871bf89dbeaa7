/** POST a form to a local URL and return status, content type and parsed JSON. */
export async function postForm(
  url: string,
  fields: Record<string, string> | string,
  contentType = 'application/x-www-form-urlencoded; charset=UTF-8',
) {
  const body = typeof fields === 'string' ? fields : new URLSearchParams(fields).toString();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, contentType: res.headers.get('content-type'), text, json };
}
