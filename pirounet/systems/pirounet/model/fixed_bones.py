"""Poses that keep the data's bone lengths (pose_output="fixed_bones", an option; the paper
decodes every value on its own).

A decoder gives every marker (or joint) its own value, so nothing holds a limb's length: the
quickstart's bones vary about 30 times more than real ones. This layer, applied to the decoded
poses, rebuilds the stick figure of the data's skeleton (`Skeleton.segments`; a segment's end
may be a marker group's mean) from the root out, keeping only the decoded directions:

- a segment that closes no cycle (a bridge) re-places its far point at the near point's new
  position + the segment's mean training length x the decoded direction near -> far;
- points joined by cycles (VICON_53's head: four markers in a ring and one on top) form one
  rigid part: its mean training shape is rotated and moved onto the decoded points (Kabsch),
  then moved so that the point by which it hangs from the rest sits where the walk put it;
- each connected part of the figure starts at its point with the most segments (VICON_53's
  pelvis), left where it was decoded; the head, not joined to the neck by a segment, is a
  part of its own;
- every marker moves as its point moved: a group's members with the group, a marker on no
  segment with the point nearest to it in the training data's mean pose.

Three buffers, set from the training poses (set_statistics) and saved in the checkpoint:
`lengths` (P,) each point's segment length to its parent in the walk (0 elsewhere),
`template` (P, D) the rigid parts' mean shapes, centred per part (0 elsewhere), and `follow`
(J,) the point each marker moves with. Everything is differentiable; the rotation of a rigid
part goes through an SVD.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from pirounet.skeletons import Skeleton

DIRECTION_EPS = 1e-8  # pose units; a decoded segment of length 0 keeps a finite direction


def drawn_points(skeleton: Skeleton) -> tuple[list[str], np.ndarray, list[tuple[int, int]]]:
    """Segment ends in order of first use, their (P, J) averaging matrix, and the segments
    as (near, far) point indices without repeats; ValueError if two points share a joint."""
    groups = {**{j: (j,) for j in skeleton.joints}, **skeleton.points}
    names = list(dict.fromkeys(n for segment in skeleton.segments for n in segment))
    owner: dict[str, str] = {}
    for name in names:
        for joint in groups[name]:
            if joint in owner:
                raise ValueError(f"pose_output='fixed_bones' moves each joint with one drawn "
                                 f"point, but skeleton {skeleton.name}'s points "
                                 f"'{owner[joint]}' and '{name}' both hold '{joint}'")
            owner[joint] = name
    matrix = skeleton.group_matrix({n: groups[n] for n in names})  # (P, J)
    edges = list(dict.fromkeys((names.index(a), names.index(b)) for a, b in skeleton.segments))
    return names, matrix, edges


def _reach(n: int, edges: list[tuple[int, int]], start: int) -> set[int]:
    """Points joined to start by edges."""
    seen, todo = {start}, [start]
    while todo:
        a = todo.pop()
        for b in [q for p, q in edges if p == a] + [p for p, q in edges if q == a]:
            if b not in seen:
                seen.add(b)
                todo.append(b)
    return seen


def walk_plan(n: int, edges: list[tuple[int, int]]) -> list[tuple]:
    """The order in which to place n points: ("root", p), ("bone", far, near) and
    ("rigid", members, anchor or -1) steps, each using only points placed before it."""
    bridges = [e for i, e in enumerate(edges) if e[1] not in _reach(n, edges[:i] + edges[i + 1:],
                                                                  e[0])]
    cyclic = [e for e in edges if e not in bridges]
    part = {}  # point -> the rigid part it belongs to (points on cycles only)
    for a, b in cyclic:
        if a not in part:
            members = tuple(sorted(_reach(n, cyclic, a)))
            part.update({p: members for p in members})
    degree = np.bincount(np.array(edges).reshape(-1), minlength=n)
    plan, placed = [], set()

    def place(point: int, anchor: int) -> None:
        """Place point's rigid part (if any) hanging from anchor, then walk its bridges."""
        members = part.get(point, (point,))
        if point in part:
            plan.append(("rigid", members, anchor))
        placed.update(members)
        for near in members:
            for a, b in bridges:
                far = b if a == near else a if b == near else None
                if far is not None and far not in placed:
                    plan.append(("bone", far, near))
                    place(far, far)

    for start in range(n):
        if start in placed:
            continue
        component = _reach(n, edges, start)
        root = max(sorted(component), key=lambda p: degree[p])  # first of the most joined
        if root not in part:
            plan.append(("root", root))
        place(root, -1)
    return plan


def kabsch(template: Tensor, points: Tensor) -> Tensor:
    """template (..., n, D) rotated and moved onto points (..., n, D) in least squares (no
    mirror); the leading dimensions broadcast."""
    shape = template - template.mean(dim=-2, keepdim=True)
    centre = points.mean(dim=-2, keepdim=True)  # (..., 1, D)
    cross = torch.einsum("...nd,...ne->...de", shape, points - centre)  # (..., D, D)
    u, _, vh = torch.linalg.svd(cross)
    v, ut = vh.transpose(-1, -2), u.transpose(-1, -2)
    flip = torch.ones_like(cross[..., 0])  # (..., D): a mirror is no rotation
    flip[..., -1] = torch.sign(torch.linalg.det(v @ ut)).detach()
    rotation = v @ (flip[..., :, None] * ut)  # (..., D, D): template -> points
    return shape @ rotation.transpose(-1, -2) + centre


class FixedBones(nn.Module):
    """Decoded poses (..., J*D) -> the same poses with the data's segment lengths."""

    def __init__(self, skeleton: Skeleton):
        super().__init__()
        self.dims, self.n_joints = skeleton.dims, skeleton.n_joints
        names, matrix, edges = drawn_points(skeleton)
        self.plan = walk_plan(len(names), edges)
        self.register_buffer("group", torch.as_tensor(matrix), persistent=False)  # (P, J)
        self.register_buffer("lengths", torch.zeros(len(names)))
        self.register_buffer("template", torch.zeros(len(names), self.dims))
        self.register_buffer("follow", torch.zeros(self.n_joints, dtype=torch.long))

    def _points(self, poses: Tensor) -> Tensor:
        """Drawn points (..., P, D) of poses (..., J*D)."""
        return self.group @ poses.reshape(*poses.shape[:-1], self.n_joints, self.dims)

    @torch.no_grad()
    def set_statistics(self, poses: Tensor) -> None:
        """Mean segment lengths, rigid parts' mean shapes and who follows whom, from training
        poses (N, J*D)."""
        points = self._points(poses.float())  # (N, P, D)
        for step in self.plan:
            if step[0] == "bone":
                _, far, near = step
                self.lengths[far] = (points[:, far] - points[:, near]).norm(dim=-1).mean()
            elif step[0] == "rigid":
                members = list(step[1])
                shape = points[0, members] - points[0, members].mean(dim=0)  # (n, D)
                for _ in range(2):  # align every frame to the shape, average, once more
                    shape = kabsch(points[:, members], shape).mean(dim=0)
                    shape = shape - shape.mean(dim=0)
                self.template[members] = shape
        joints = poses.reshape(-1, self.n_joints, self.dims).float().mean(dim=0)  # (J, D)
        nearest = torch.cdist(joints, self.group @ joints).argmin(dim=1)  # (J,)
        grouped = self.group > 0  # (P, J)
        self.follow.copy_(torch.where(grouped.any(dim=0), grouped.float().argmax(dim=0),
                                      nearest))

    def forward(self, poses: Tensor) -> Tensor:
        """Poses (..., J*D) whose drawn segments have the training data's mean lengths."""
        points = self._points(poses)  # (..., P, D)
        placed: dict[int, Tensor] = {}
        for step in self.plan:
            if step[0] == "root":
                placed[step[1]] = points[..., step[1], :]
            elif step[0] == "bone":
                _, far, near = step
                offset = points[..., far, :] - points[..., near, :]  # (..., D)
                direction = offset / (offset.norm(dim=-1, keepdim=True) + DIRECTION_EPS)
                placed[far] = placed[near] + self.lengths[far] * direction
            else:
                _, members, anchor = step
                fitted = kabsch(self.template[list(members)], points[..., list(members), :])
                if anchor >= 0:  # hang the part from where the walk put its anchor
                    fitted = fitted + (placed[anchor] - fitted[..., members.index(anchor), :]
                                       )[..., None, :]
                placed.update({p: fitted[..., i, :] for i, p in enumerate(members)})
        moved = torch.stack([placed[p] for p in range(len(placed))], dim=-2) - points
        joints = poses.reshape(*poses.shape[:-1], self.n_joints, self.dims)
        return (joints + moved[..., self.follow, :]).reshape(poses.shape)
