export function CardScreen() {
  return <p className="muted">The model card editor is being built.</p>;
}
