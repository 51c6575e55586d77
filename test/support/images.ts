// Which sample images are the simulator's: the operator itself never asks (it runs `faunadb -c` for every image);
// only tests check that the samples pick the image they mean.
export function isSimulatorImage(image: string): boolean {
  const withoutDigest = image.split("@")[0] ?? image;
  const lastSlash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.indexOf(":", lastSlash + 1);
  const repository = colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
  return repository.endsWith("faunadb-simulator");
}
