export function PublishScreen() {
  return <p className="muted">The publish screen is being built.</p>;
}
