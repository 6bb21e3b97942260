package io.l2mesh.switching;
