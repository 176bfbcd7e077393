/** Saves `content` as a file through a temporary object URL: nothing leaves the browser. */
export function download(content: Blob, fileName: string): void {
  const url = URL.createObjectURL(content);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked on a later task: the download has started by then.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
